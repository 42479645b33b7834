-- sqlQueryPath of the sql steps in workflow/mixed-steps.yaml and its release; builds the table their export step exports.
CREATE OR REPLACE TABLE schema_name.table_name AS
SELECT column_name, COUNT(*) AS row_count
FROM schema_name.source_table
GROUP BY column_name;
