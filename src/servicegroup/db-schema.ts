/**
 * nova's `services` table and the statements the `db` driver runs on it (PostgreSQL), every
 * value a bind parameter. Times are nova's naive UTC timestamps, always taken from the
 * database's clock (`timezone('utc', now())`), so hosts with skewed clocks agree; `is_up` is
 * computed in the same query by nova's rule: forced_down is down, otherwise up while the last
 * heartbeat (last_seen_up, else updated_at, else created_at) is within service_down_time.
 */

/** The table, or null when it is missing (it is then created; an existing one is used as it is). */
export const SERVICES_TABLE_EXISTS = `SELECT to_regclass('services') IS NOT NULL AS present`;

/**
 * nova's `services` exactly as its migration (nova/db/main/migrations/versions/
 * 8f2f1571d55b_initial_version.py) creates it on PostgreSQL: the same columns, types and
 * nullability, no server-side defaults (nova's are SQLAlchemy's, client-side: every INSERT of
 * ours names every NOT NULL and nova-read column), the unique constraints and the unique index
 * on uuid. `version` is nova's integer service version. One simple-protocol query: both
 * statements run in one implicit transaction, so a table is never left without its index.
 */
export const CREATE_SERVICES_TABLE = `
CREATE TABLE services (
  created_at timestamp without time zone,
  updated_at timestamp without time zone,
  deleted_at timestamp without time zone,
  id serial NOT NULL,
  host varchar(255),
  "binary" varchar(255),
  topic varchar(255),
  report_count integer NOT NULL,
  disabled boolean,
  deleted integer,
  disabled_reason varchar(255),
  last_seen_up timestamp without time zone,
  forced_down boolean,
  version integer,
  uuid varchar(36),
  PRIMARY KEY (id),
  CONSTRAINT uniq_services0host0topic0deleted UNIQUE (host, topic, deleted),
  CONSTRAINT uniq_services0host0binary0deleted UNIQUE (host, "binary", deleted)
);
CREATE UNIQUE INDEX services_uuid_idx ON services (uuid)`;

/**
 * Create the row once (a restart keeps its disabled flag, forced_down and report_count), with
 * every field nova's Service object requires non-null. $1 host, $2 binary, $3 topic,
 * $4 service version (integer).
 */
export const UPSERT_SERVICE = `
INSERT INTO services (created_at, updated_at, host, "binary", topic, report_count, disabled, deleted, forced_down, version, uuid)
VALUES (timezone('utc', now()), timezone('utc', now()), $1, $2, $3, 0, false, 0, false, $4, gen_random_uuid()::text)
ON CONFLICT (host, "binary", deleted) DO UPDATE SET topic = EXCLUDED.topic, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at`;

/** The heartbeat: nova's report_state (report_count + 1 sets last_seen_up). $1 host, $2 binary. */
export const REPORT_STATE = `
UPDATE services SET report_count = report_count + 1, updated_at = timezone('utc', now()), last_seen_up = timezone('utc', now())
WHERE host = $1 AND "binary" = $2 AND deleted = 0`;

/** $1 host, $2 binary, $3 disabled, $4 reason. */
export const SET_DISABLED = `
UPDATE services SET disabled = $3, disabled_reason = $4, updated_at = timezone('utc', now())
WHERE host = $1 AND "binary" = $2 AND deleted = 0`;

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** Every live row with its state. $1 service_down_time in milliseconds. */
export const LIST_SERVICES = `
SELECT host, "binary", topic, version::text AS version, disabled, disabled_reason, forced_down, report_count,
       to_char(created_at, ${ISO}) AS created_at,
       to_char(COALESCE(last_seen_up, updated_at, created_at), ${ISO}) AS heartbeat,
       (NOT COALESCE(forced_down, false)
        AND abs(extract(epoch FROM timezone('utc', now()) - COALESCE(last_seen_up, updated_at, created_at))) * 1000 <= $1) AS up
FROM services WHERE deleted = 0 ORDER BY "binary", host`;

/** One row of LIST_SERVICES. */
export interface ServiceRow {
  host: string;
  binary: string;
  topic: string | null;
  /** The service version as text: nova's column is an integer; a table of ours from before issue 28 held strings. */
  version: string | null;
  disabled: boolean | null;
  disabled_reason: string | null;
  forced_down: boolean | null;
  report_count: number;
  created_at: string | null;
  heartbeat: string | null;
  up: boolean;
}
