"""The managers' desk: what managers and the quality control read and write about conversations."""
