"""Conversation quality control: the client's checklist, typed transcripts and reviews, and the reviewers.

Pure code, no I/O: a `Transcript` (loaded by a store elsewhere) goes to a `Reviewer`, which returns a
`Review` scored rule by rule on the checklist (agent/quality/checklist.yaml). Two reviewers exist: the
deterministic `OfflineReviewer` (agent/quality/offline.py), which decides the rules code can decide and
marks the others "not judged", and the `ModelJudge` (agent/quality/judge.py), a chat model answering
through structured output with the rubric of prompts/quality_judge.md.
"""
