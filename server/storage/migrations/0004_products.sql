-- The catalog mirror: Zoho Inventory items as clean products (tools/catalog/sync.py writes it, under an advisory
-- lock so that one process syncs at a time), and the sync's progress so that an interrupted sync resumes.
-- Every process that searches refreshes its own vector index from this table (watermark on updated_at).

CREATE TABLE products (
    item_id            text PRIMARY KEY,
    sku                text        NOT NULL,              -- as stored in Zoho (may be oddly formatted)
    canonical_sku      text        NOT NULL UNIQUE,       -- "TC-NOVP-AA-BLK"
    compact_sku        text        NOT NULL,              -- "TCNOVPAABLK": loose SKU lookups
    name               text        NOT NULL,
    name_ar            text,
    description        text        NOT NULL DEFAULT '',   -- HTML stripped
    category           text        NOT NULL DEFAULT '',
    brand              text,
    collection         text,
    color              text,
    material           text,
    unit               text        NOT NULL DEFAULT 'pcs',
    price              numeric(14, 2) NOT NULL DEFAULT 0, -- AED excluding VAT
    currency           text        NOT NULL DEFAULT 'AED',
    available_stock    integer     NOT NULL DEFAULT 0,
    -- false for items inactive in Zoho or gone from it: kept, never shown to customers
    active             boolean     NOT NULL DEFAULT true,
    removed            boolean     NOT NULL DEFAULT false, -- no longer returned by Zoho at all
    product            jsonb       NOT NULL,              -- tools.catalog.product.Product
    raw                jsonb       NOT NULL,              -- the Zoho item as received
    content_hash       text        NOT NULL,              -- of what is embedded (not price/stock)
    zoho_last_modified timestamptz,
    seen_run           bigint,                            -- the last sync run that received this item
    synced_at          timestamptz NOT NULL DEFAULT now(),
    -- bumped only when the product changed: the indexes' refresh watermark
    updated_at         timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX products_by_compact_sku ON products (compact_sku);
CREATE INDEX products_by_updated_at ON products (updated_at);

-- One row per sync source ('zoho_items').
CREATE TABLE catalog_sync_state (
    name                     text PRIMARY KEY,
    -- incremental syncs ask Zoho for items modified at/after this (minus an overlap)
    watermark                timestamptz,
    last_full_sync_at        timestamptz,
    last_incremental_sync_at timestamptz,
    last_report              jsonb,
    last_error               text,
    last_error_at            timestamptz,
    -- the run in progress (or interrupted): resumed from next_page with the same parameters
    run_id                   bigint NOT NULL DEFAULT 0,
    run_kind                 text CHECK (run_kind IN ('full', 'incremental')),
    run_since                timestamptz,
    run_started_at           timestamptz,
    run_next_page            integer NOT NULL DEFAULT 1,
    run_items                integer NOT NULL DEFAULT 0,
    run_changed              integer NOT NULL DEFAULT 0,
    run_max_modified         timestamptz,
    run_finished             boolean NOT NULL DEFAULT true,
    updated_at               timestamptz NOT NULL DEFAULT now()
);
