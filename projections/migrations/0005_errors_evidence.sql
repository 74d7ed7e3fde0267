-- Why each error was classified as it was: the classifier's evidence per field
-- (ErrorClassified.evidence: field, rule id, detail), shown by `errorstream errors show`.
ALTER TABLE errors ADD COLUMN evidence jsonb NOT NULL DEFAULT '[]';
