-- CSV exports written by PostgreSQL itself (COPY (…) TO STDOUT WITH (FORMAT csv)): the api relays the bytes
-- instead of building a JavaScript row and line per employee, so an export of any size runs in constant memory.
-- COPY quotes a field holding a comma, a quote or a line break (RFC 4180) exactly as csvField() in
-- src/modules/reports/csv.ts does; the other half of csvField is this function: a text starting with
-- = + - @, a tab or a carriage return is prefixed with ' so that a spreadsheet never runs it as a formula.
-- An empty text becomes NULL, which COPY writes as an empty field (it would quote a non-NULL empty text).
CREATE OR REPLACE FUNCTION csv_cell(v text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN v = '' THEN NULL
              WHEN left(v, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN '''' || v
              ELSE v END
$$;

REVOKE ALL ON FUNCTION csv_cell(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION csv_cell(text) TO huntzen_app, huntzen_system;
