"""Versioned schema migrations for the PostGIS store.

Why versioned migrations rather than ``CREATE TABLE IF NOT EXISTS`` on
start-up: a deployed database outlives the code that created it, so every
change to its tables is a new numbered step, never an edit of an old one.
:func:`apply_migrations` runs the steps a database lacks, in order, each in
the same transaction as the row that records it in ``schema_migrations``;
running it again changes nothing. An advisory lock lets several workers
start against one database at once: one migrates, the others wait and then
find nothing to do.

Event ids are unique within a dataset (the schema's key), checked by the
store before it writes rather than by a unique index, which slowed a large
COPY by about a third (migration 2 drops the index migration 1 made).

Migration 4 partitions ``incidents`` by month of ``event_date`` (a save
creates the months it needs, :mod:`geodata.catalog.postgis.partitions`), so a
date range reads only its months, and adds ``incident_cells``, counts per
day, event type and grid cell that a map over millions of incidents sums
instead of the rows. Migration 6 adds roll-ups by actor, precision and
fatality class (:mod:`geodata.catalog.postgis.dimensions`) and a trigram index
for the notes search.

The column lists of the data tables mirror :mod:`geodata.model.schema` (a test
checks that they agree); adding a canonical column means adding a migration
here, never editing :data:`MIGRATIONS` in place.
"""
from __future__ import annotations

from dataclasses import dataclass

import psycopg

from geodata.catalog.postgis.dimensions import INDEX_SQL as _DIMENSION_INDEXES
from geodata.catalog.postgis.dimensions import MIGRATION_SQL as _DIMENSIONS
from geodata.model.errors import GeodataError

#: Key of the advisory lock held while migrating (any constant unique to this application).
LOCK_KEY = 7_318_204_661


@dataclass(frozen=True)
class Migration:
    """One step of the schema: its number, a short description and the SQL that applies it."""

    version: int
    name: str
    sql: str


_INITIAL = """
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE datasets (
    name text PRIMARY KEY,
    title text NOT NULL,
    version text NOT NULL,
    period_start date NOT NULL,
    period_end date NOT NULL,
    meta jsonb NOT NULL,
    imported_at timestamptz NOT NULL,
    source_file text,
    incidents_rows bigint NOT NULL,
    displacement_rows bigint NOT NULL,
    places_rows bigint NOT NULL,
    highways_rows bigint NOT NULL
);

CREATE TABLE incidents (
    dataset text NOT NULL,
    ordinal bigint NOT NULL,
    event_id text NOT NULL,
    event_date date NOT NULL,
    date_precision text CHECK (date_precision IN ('day', 'week', 'month', 'year')),
    event_type text NOT NULL,
    sub_event_type text,
    actor1 text,
    actor2 text,
    location text NOT NULL,
    admin1 text,
    admin1_pcode text,
    admin2 text,
    admin2_pcode text,
    admin3 text,
    admin3_pcode text,
    latitude double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    geo_precision bigint NOT NULL CHECK (geo_precision BETWEEN 1 AND 3),
    geo_precision_note text,
    fatalities bigint CHECK (fatalities >= 0),
    fatalities_low bigint CHECK (fatalities_low >= 0),
    fatalities_high bigint CHECK (fatalities_high >= 0),
    notes text,
    source text NOT NULL,
    source_url text NOT NULL,
    geom geometry(Point, 4326)
        GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)) STORED,
    PRIMARY KEY (dataset, ordinal),
    UNIQUE (dataset, event_id)
);
CREATE INDEX incidents_dataset_date ON incidents (dataset, event_date, ordinal);
CREATE INDEX incidents_dataset_type ON incidents (dataset, event_type, event_date);
CREATE INDEX incidents_dataset_admin1 ON incidents (dataset, admin1_pcode);
CREATE INDEX incidents_dataset_admin2 ON incidents (dataset, admin2_pcode);
CREATE INDEX incidents_dataset_admin3 ON incidents (dataset, admin3_pcode);
CREATE INDEX incidents_geom ON incidents USING gist (geom);

CREATE TABLE displacement (
    dataset text NOT NULL,
    ordinal bigint NOT NULL,
    figure_id text NOT NULL,
    series text NOT NULL,
    as_of date NOT NULL,
    period_start date,
    period_end date,
    displaced bigint NOT NULL CHECK (displaced >= 0),
    qualifier text,
    place text NOT NULL,
    pcode text,
    admin_level bigint CHECK (admin_level BETWEEN 0 AND 4),
    latitude double precision CHECK (latitude BETWEEN -90 AND 90),
    longitude double precision CHECK (longitude BETWEEN -180 AND 180),
    scope text,
    children_share double precision CHECK (children_share BETWEEN 0 AND 1),
    women_children_share double precision CHECK (women_children_share BETWEEN 0 AND 1),
    notes text,
    source text NOT NULL,
    source_url text NOT NULL,
    geom geometry(Point, 4326)
        GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)) STORED,
    PRIMARY KEY (dataset, ordinal),
    UNIQUE (dataset, figure_id)
);
CREATE INDEX displacement_dataset_pcode ON displacement (dataset, pcode);
CREATE INDEX displacement_dataset_as_of ON displacement (dataset, as_of);
CREATE INDEX displacement_geom ON displacement USING gist (geom);

CREATE TABLE places (
    dataset text NOT NULL,
    ordinal bigint NOT NULL,
    place_id text NOT NULL,
    name text NOT NULL,
    name_ar text,
    aliases text,
    kind text,
    pcode text,
    admin1_pcode text,
    latitude double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    precision_note text,
    source text NOT NULL,
    source_url text,
    geom geometry(Point, 4326)
        GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)) STORED,
    PRIMARY KEY (dataset, ordinal),
    UNIQUE (dataset, place_id)
);
CREATE INDEX places_dataset_pcode ON places (dataset, pcode);
CREATE INDEX places_geom ON places USING gist (geom);

CREATE TABLE highways (
    dataset text NOT NULL,
    ordinal bigint NOT NULL,
    road text NOT NULL,
    seq bigint NOT NULL CHECK (seq >= 0),
    place_id text NOT NULL,
    note text,
    PRIMARY KEY (dataset, ordinal)
);

CREATE TABLE boundaries (
    pcode text PRIMARY KEY,
    name text NOT NULL,
    name_ar text,
    admin_level smallint NOT NULL CHECK (admin_level BETWEEN 0 AND 4),
    parent_pcode text,
    geom geometry(MultiPolygon, 4326) NOT NULL
);
CREATE INDEX boundaries_parent ON boundaries (parent_pcode);
CREATE INDEX boundaries_level ON boundaries (admin_level);
CREATE INDEX boundaries_geom ON boundaries USING gist (geom);
"""

_EXTRA_COLUMNS = """
ALTER TABLE incidents DROP CONSTRAINT IF EXISTS incidents_dataset_event_id_key;
ALTER TABLE datasets ADD COLUMN extra_columns jsonb NOT NULL DEFAULT '{}';
ALTER TABLE incidents ADD COLUMN extra jsonb;
ALTER TABLE displacement ADD COLUMN extra jsonb;
ALTER TABLE places ADD COLUMN extra jsonb;
ALTER TABLE highways ADD COLUMN extra jsonb;
"""

_FLOWS = """
CREATE TABLE flows (
    dataset text NOT NULL,
    ordinal bigint NOT NULL,
    origin text NOT NULL,
    origin_pcode text,
    destination text NOT NULL,
    destination_pcode text,
    people double precision NOT NULL CHECK (people >= 0),
    period_start date NOT NULL,
    period_end date NOT NULL,
    movement text NOT NULL,
    source text NOT NULL,
    source_url text NOT NULL,
    extra jsonb,
    PRIMARY KEY (dataset, ordinal)
);
CREATE INDEX flows_dataset_period ON flows (dataset, period_start, period_end);
ALTER TABLE datasets ADD COLUMN flows_rows bigint NOT NULL DEFAULT 0;
"""

#: Every incidents column but the generated ``geom``, in table order (migration 4 copies rows by it).
_INCIDENT_COLUMNS = (
    "dataset, ordinal, event_id, event_date, date_precision, event_type, sub_event_type, actor1, actor2, location, "
    "admin1, admin1_pcode, admin2, admin2_pcode, admin3, admin3_pcode, latitude, longitude, geo_precision, "
    "geo_precision_note, fatalities, fatalities_low, fatalities_high, notes, source, source_url, extra")

_PARTITIONS = f"""
ALTER TABLE incidents RENAME TO incidents_unpartitioned;
ALTER TABLE incidents_unpartitioned RENAME CONSTRAINT incidents_pkey TO incidents_unpartitioned_pkey;
DROP INDEX incidents_dataset_date, incidents_dataset_type, incidents_dataset_admin1, incidents_dataset_admin2,
    incidents_dataset_admin3, incidents_geom;
CREATE TABLE incidents (LIKE incidents_unpartitioned INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS)
    PARTITION BY RANGE (event_date);
ALTER TABLE incidents ADD PRIMARY KEY (dataset, event_date, ordinal);
CREATE TABLE incidents_default PARTITION OF incidents DEFAULT;
DO $$
DECLARE month date;
BEGIN
    FOR month IN SELECT DISTINCT date_trunc('month', event_date)::date FROM incidents_unpartitioned LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF incidents FOR VALUES FROM (%L) TO (%L)',
                       'incidents_' || to_char(month, 'YYYY_MM'), month, (month + interval '1 month')::date);
    END LOOP;
END $$;
INSERT INTO incidents ({_INCIDENT_COLUMNS}) SELECT {_INCIDENT_COLUMNS} FROM incidents_unpartitioned;
DROP TABLE incidents_unpartitioned;
CREATE INDEX incidents_dataset_type ON incidents (dataset, event_type, event_date);
CREATE INDEX incidents_dataset_admin1 ON incidents (dataset, admin1_pcode);
CREATE INDEX incidents_dataset_admin2 ON incidents (dataset, admin2_pcode);
CREATE INDEX incidents_dataset_admin3 ON incidents (dataset, admin3_pcode);
CREATE INDEX incidents_geom ON incidents USING gist (geom);
CREATE INDEX incidents_date_brin ON incidents USING brin (event_date);

CREATE TABLE incident_cells (
    dataset text NOT NULL,
    event_date date NOT NULL,
    event_type text NOT NULL,
    cell_x integer NOT NULL,
    cell_y integer NOT NULL,
    incidents integer NOT NULL,
    reported integer NOT NULL,
    fatalities bigint NOT NULL
);
CREATE INDEX incident_cells_dataset_date ON incident_cells (dataset, event_date);
"""

_ROLLUPS = """
CREATE TABLE incident_days (
    dataset text NOT NULL,
    event_date date NOT NULL,
    event_type text NOT NULL,
    incidents integer NOT NULL,
    reported integer NOT NULL,
    fatalities bigint NOT NULL
);
CREATE INDEX incident_days_dataset_date ON incident_days (dataset, event_date);
CREATE TABLE incident_cells_month (
    dataset text NOT NULL,
    month date NOT NULL,
    event_type text NOT NULL,
    cell_x integer NOT NULL,
    cell_y integer NOT NULL,
    incidents integer NOT NULL,
    reported integer NOT NULL,
    fatalities bigint NOT NULL
);
CREATE INDEX incident_cells_month_dataset_month ON incident_cells_month (dataset, month);
INSERT INTO incident_days
    SELECT dataset, event_date, event_type, sum(incidents), sum(reported), sum(fatalities)
    FROM incident_cells GROUP BY 1, 2, 3;
INSERT INTO incident_cells_month
    SELECT dataset, date_trunc('month', event_date)::date, event_type, cell_x, cell_y, sum(incidents), sum(reported),
           sum(fatalities)
    FROM incident_cells GROUP BY 1, 2, 3, 4, 5;
"""

#: Every step of the schema, in order. Append new steps; never edit or renumber applied ones.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "datasets, incidents, displacement, places, highways, boundaries", _INITIAL),
    Migration(2, "source columns outside the schema (per-row extra jsonb, names and kinds per dataset); "
                 "event ids checked before COPY instead of by a unique index", _EXTRA_COLUMNS),
    Migration(3, "origin-to-destination flows (HNAP matrices); datasets stored before have none", _FLOWS),
    Migration(4, "incidents partitioned by month of event_date (BRIN on the date, GiST on geom); incident_cells: "
                 "incidents per day, event type and grid cell, refreshed on every save", _PARTITIONS),
    Migration(5, "incident_days (per day and event type) and incident_cells_month (per month, event type and "
                 "grid cell), rolled up from incident_cells on every save", _ROLLUPS),
    Migration(6, "incident_dim_days, incident_dim_cells, incident_dim_cells_month: roll-ups by actor, precision "
                 "and fatality class, filled from the stored rows; pg_trgm index on lower(notes)", _DIMENSIONS),
    Migration(7, "the dimension roll-ups indexed by actor and other actor, so several actors read only their "
                 "pairs", _DIMENSION_INDEXES),
)

#: The schema version this code reads and writes.
SCHEMA_VERSION = MIGRATIONS[-1].version

_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


def apply_migrations(conn: psycopg.Connection, migrations: tuple[Migration, ...] = MIGRATIONS) -> list[int]:
    """Bring the database's schema up to date; return the versions applied now (often none).

    Runs in one transaction under an advisory lock: either every missing
    step is applied and recorded, or none is. ``conn`` must be in autocommit
    mode (the transaction is opened here).

    Raises
    ------
    GeodataError
        the database records a version this code does not know (it was
        migrated by a newer conflict-map: upgrade this one first).
    psycopg.Error
        a step failed (the caller turns it into a :class:`GeodataError`).
    """
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        conn.execute(_BOOKKEEPING)
        done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
        known = {m.version for m in migrations}
        unknown = sorted(done - known)
        if unknown:
            raise GeodataError(
                f"the database schema is at version {max(unknown)}, newer than this conflict-map knows "
                f"({max(known)}): upgrade conflict-map before using this database")
        applied = []
        for migration in sorted(migrations, key=lambda m: m.version):
            if migration.version in done:
                continue
            conn.execute(migration.sql)
            conn.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                         (migration.version, migration.name))
            applied.append(migration.version)
    return applied
