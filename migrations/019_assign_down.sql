-- 019 assigning down (交办, R9.1, seed §4.3.1): a county department hands a
-- problem of its line to a township with a deadline of its own choosing.
-- While it is set, every township step of the problem falls due at it
-- instead of the category's limit (problem.c, xz_problem_apply), so the
-- lights and the overdue count follow the department's deadline.
ALTER TABLE problems ADD COLUMN assigned_due_at BIGINT;
ALTER TABLE problems ADD COLUMN assigned_at BIGINT;
ALTER TABLE problems ADD COLUMN assigned_by_department_id BIGINT REFERENCES departments(id);
