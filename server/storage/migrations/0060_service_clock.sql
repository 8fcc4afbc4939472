-- One "now" for the whole service (issue 13). noor_now() is now() plus an offset that only the sandbox moves
-- (POST /sandbox/clock/advance), so API and worker processes agree on the simulated time; in production the
-- offset stays 0. The 24-hour window, follow-ups and idle release read noor_now().
CREATE TABLE service_clock (
    id             boolean PRIMARY KEY DEFAULT true CHECK (id),
    offset_seconds double precision NOT NULL DEFAULT 0,
    updated_at     timestamptz      NOT NULL DEFAULT now()
);
INSERT INTO service_clock DEFAULT VALUES;

CREATE FUNCTION noor_now() RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT now() + make_interval(secs => COALESCE((SELECT offset_seconds FROM service_clock), 0))
$$;

-- Stamped on the service's clock, so a simulated day later the window is closed for the customer too.
ALTER TABLE conversations ALTER COLUMN last_inbound_at SET DEFAULT noor_now();
