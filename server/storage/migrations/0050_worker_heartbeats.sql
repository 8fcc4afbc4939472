-- One row per running worker process, written every few seconds (server/worker/heartbeat.py): /health/ready counts
-- a worker alive while its beat is fresh. A worker that stops deletes its row; a killed one's row just goes stale.
CREATE TABLE worker_heartbeats (
    worker_id  text PRIMARY KEY,  -- host:pid
    host       text        NOT NULL,
    pid        integer     NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    beat_at    timestamptz NOT NULL DEFAULT now()
);
