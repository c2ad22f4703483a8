-- pg_bulk_log.sql: a log of :n records of origin CN-ZZ written straight into
-- a silkport PostgreSQL store (schema already current), for bench_store's
-- proofs at a size that the store's own write path (a few statements per
-- record, one round trip each) would take hours to load. The rows are the
-- ones the driver writes for bench_store's synthetic records (its make():
-- the same bytes, RecordIds and type), and the Merkle nodes are RFC 9162's
-- perfect subtrees over them, built level by level with the server's
-- sha256(). bench_store then checks proofs from this tree against leaf
-- hashes it computes itself, so a tree built wrong here fails the run.
-- usage: psql "DSN" -v n=10000000 -f pg_bulk_log.sql
\set ON_ERROR_STOP on
\timing on
SET synchronous_commit = off;
SET work_mem = '256MB';
SET maintenance_work_mem = '1GB';
-- the bench's origin starts empty (a throwaway database)
INSERT INTO origins (name) VALUES ('CN-ZZ') ON CONFLICT (name) DO NOTHING;
DELETE FROM merkle_nodes
 WHERE origin_id = (SELECT id FROM origins WHERE name = 'CN-ZZ');
DELETE FROM records WHERE origin = 'CN-ZZ';

-- the records: bench_store's make() in SQL (140 bytes then the end tag)
CREATE TEMP TABLE bulk AS
SELECT s AS sequence,
       '00000001-' || lpad(to_hex((s >> 48) & 65535), 4, '0') ||
       '-4000-8000-' || lpad(to_hex(s & 281474976710655), 12, '0')
           AS record_id
  FROM generate_series(0::bigint, :n - 1) AS s;
CREATE TEMP TABLE bulk_bytes AS
SELECT sequence, record_id,
       convert_to(rpad('<Record origin="CN-ZZ" seq="' || sequence ||
                       '" id="' || record_id || '">', 140, 'x') ||
                  '</Record>', 'UTF8') AS bytes
  FROM bulk;
DROP TABLE bulk;
INSERT INTO records (record_id, origin, sequence, type, issued, received,
                     digest, bytes, broadcast, log_state)
SELECT record_id, 'CN-ZZ', sequence, 'waybill', 1790000000, 1790000000,
       encode(sha256(bytes), 'hex'), bytes, 0, 'confirmed'
  FROM bulk_bytes ORDER BY sequence;

-- level 0: the leaf hashes, SHA-256(0x00 || bytes)
INSERT INTO merkle_nodes (origin_id, level, idx, hash)
SELECT o.id, 0, b.sequence, sha256('\x00'::bytea || b.bytes)
  FROM bulk_bytes b, origins o WHERE o.name = 'CN-ZZ';
DROP TABLE bulk_bytes;

-- level l: SHA-256(0x01 || left || right) of each complete pair below,
-- the pair read in one pass in index order (lead), not by a self-join
DO $$
DECLARE
	oid bigint;
	l integer := 1;
	made bigint;
BEGIN
	SELECT id INTO oid FROM origins WHERE name = 'CN-ZZ';
	LOOP
		INSERT INTO merkle_nodes (origin_id, level, idx, hash)
		SELECT oid, l, s.idx / 2, sha256('\x01'::bytea || s.hash || s.nxt)
		  FROM (SELECT idx, hash,
		               lead(hash) OVER (ORDER BY idx) AS nxt
		          FROM merkle_nodes
		         WHERE origin_id = oid AND level = l - 1) AS s
		 WHERE s.idx % 2 = 0 AND s.nxt IS NOT NULL;
		GET DIAGNOSTICS made = ROW_COUNT;
		EXIT WHEN made = 0;
		l := l + 1;
	END LOOP;
END $$;

UPDATE origins SET records = :n, max_sequence = :n - 1, tree_size = :n
 WHERE name = 'CN-ZZ';
ANALYZE records;
ANALYZE merkle_nodes;
