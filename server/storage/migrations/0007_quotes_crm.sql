-- Quotations, customer identification and Zoho CRM links (issue 5). Keyed by the graph's thread id
-- ("channelId:chatId") so they stand on their own next to the pipeline tables.

-- Who the customer behind a chat is, as found in Zoho CRM and Inventory (agent/customers.py).
CREATE TABLE customer_links (
    thread_id     text PRIMARY KEY,
    phone         text        NOT NULL,
    record        jsonb       NOT NULL,
    identified_at timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_links_by_phone ON customer_links (phone);

-- Quotations (agent/quotes.py). quote_id is the sales order's reference_number in Zoho: the idempotency key.
CREATE TABLE quotes (
    quote_id             text PRIMARY KEY,
    thread_id            text        NOT NULL,
    seq                  integer     NOT NULL,
    status               text        NOT NULL DEFAULT 'collecting'
        CHECK (status IN ('collecting', 'awaiting_confirmation', 'confirmed', 'created', 'declined')),
    customer             jsonb       NOT NULL DEFAULT '{}',
    lines                jsonb       NOT NULL DEFAULT '[]',
    totals               jsonb,
    discount             jsonb,
    inventory_contact_id text,
    salesorder_id        text,
    salesorder_number    text,
    zoho_total           numeric(14, 2),
    pdf_path             text,
    pdf_source           text,
    last_error           text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    confirmed_at         timestamptz,
    ordered_at           timestamptz,
    UNIQUE (thread_id, seq)
);
CREATE INDEX quotes_by_thread ON quotes (thread_id, seq DESC);

-- One CRM deal per opportunity (agent/crm.py): a row is reserved before the deal is created, so a replay
-- or a second worker never creates it twice. A new opportunity starts after the previous one closed.
CREATE TABLE crm_deals (
    thread_id      text        NOT NULL,
    opportunity    integer     NOT NULL,
    opportunity_key text       NOT NULL UNIQUE,
    contact_id     text,
    deal_id        text,
    deal_name      text        NOT NULL,
    stage          text,
    amount         numeric(14, 2),
    closed         boolean     NOT NULL DEFAULT false,
    attempted_at   timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (thread_id, opportunity)
);

-- CRM contact per conversation and the notes written (each note once, by key).
CREATE TABLE crm_contacts (
    thread_id  text PRIMARY KEY,
    phone      text        NOT NULL,
    contact_id text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE crm_notes (
    note_key   text PRIMARY KEY,
    thread_id  text        NOT NULL,
    module     text        NOT NULL,
    record_id  text        NOT NULL,
    note_id    text,
    created_at timestamptz NOT NULL DEFAULT now()
);
