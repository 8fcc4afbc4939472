-- Which graph nodes each turn ran: the trajectory, kept with the turn (the graph persists once per turn).
ALTER TABLE turns ADD COLUMN nodes text[] NOT NULL DEFAULT '{}';
