"""Numbered schema migrations. Append only: never edit a migration that has shipped.

`PRAGMA user_version` holds the number of migrations applied. Opening a database upgrades it in
place, each step in its own transaction; a database from a newer Rapport is refused untouched.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: accounts, people, contacts, items, cursors, replies, item history
    """
    CREATE TABLE accounts (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        platform TEXT NOT NULL,
        base_url TEXT NOT NULL,
        handle TEXT NOT NULL DEFAULT '',
        remote_id TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE persons (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL
    );
    CREATE TABLE contacts (
        id INTEGER PRIMARY KEY,
        platform TEXT NOT NULL,
        instance TEXT NOT NULL DEFAULT '',
        remote_id TEXT NOT NULL,
        handle TEXT NOT NULL,
        display_name TEXT NOT NULL DEFAULT '',
        profile_url TEXT NOT NULL DEFAULT '',
        links TEXT NOT NULL DEFAULT '[]',
        bio TEXT NOT NULL DEFAULT '',
        person_id INTEGER REFERENCES persons(id) ON DELETE SET NULL,
        first_seen REAL NOT NULL,
        last_seen REAL NOT NULL,
        UNIQUE (platform, instance, remote_id)
    );
    CREATE INDEX contacts_person ON contacts(person_id);
    CREATE INDEX contacts_handle ON contacts(handle COLLATE NOCASE);
    CREATE TABLE items (
        id INTEGER PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        remote_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        author_id INTEGER NOT NULL REFERENCES contacts(id),
        author_label TEXT NOT NULL,
        text TEXT NOT NULL,
        markup TEXT NOT NULL DEFAULT '',
        markup_format TEXT NOT NULL DEFAULT 'plain',
        url TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        thread_root_id TEXT NOT NULL DEFAULT '',
        parent_id TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL DEFAULT 'new',
        snoozed_until REAL,
        tags TEXT NOT NULL DEFAULT '',
        is_question INTEGER NOT NULL DEFAULT 0,
        important INTEGER NOT NULL DEFAULT 0,
        read INTEGER NOT NULL DEFAULT 0,
        polarity REAL NOT NULL DEFAULT 0,
        risk REAL NOT NULL DEFAULT 0,
        conflict INTEGER NOT NULL DEFAULT 0,
        reasons TEXT NOT NULL DEFAULT '[]',
        platform_data TEXT NOT NULL DEFAULT '{}',
        fetched_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        deleted_at REAL,
        -- Creation second << 31 | id: unique, and in time order. The full-text index is keyed
        -- on it, so a search walks its matches newest first and stops at the page size.
        sort_key INTEGER UNIQUE,
        UNIQUE (account_id, remote_id)
    );
    CREATE TRIGGER items_sort_key AFTER INSERT ON items WHEN new.sort_key IS NULL BEGIN
        UPDATE items SET sort_key = (max(CAST(new.created_at AS INTEGER), 0) << 31) | new.id
        WHERE id = new.id;
    END;
    CREATE INDEX items_by_state_time ON items(state, sort_key DESC);
    CREATE INDEX items_by_author ON items(author_id, created_at);
    CREATE INDEX items_by_thread ON items(account_id, thread_root_id);
    CREATE TABLE cursors (
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        stream TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at REAL NOT NULL,
        PRIMARY KEY (account_id, stream)
    );
    CREATE TABLE replies (
        id INTEGER PRIMARY KEY,
        item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'draft',
        idempotency_key TEXT NOT NULL,
        remote_id TEXT NOT NULL DEFAULT '',
        remote_url TEXT NOT NULL DEFAULT '',
        error TEXT NOT NULL DEFAULT '',
        attempts INTEGER NOT NULL DEFAULT 0,
        forced INTEGER NOT NULL DEFAULT 0,
        tone TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        sent_at REAL
    );
    CREATE INDEX replies_by_item ON replies(item_id);
    CREATE INDEX replies_by_state ON replies(state);
    CREATE UNIQUE INDEX replies_one_draft ON replies(item_id) WHERE state = 'draft';
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        at REAL NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX events_by_item ON events(item_id, at);
    """,
    # 2: full-text search over item text, author and tags, kept in step by triggers
    """
    CREATE VIRTUAL TABLE items_fts USING fts5(
        text, author, tags,
        content='items', content_rowid='sort_key',
        tokenize='unicode61 remove_diacritics 2'
    );
    INSERT INTO items_fts(rowid, text, author, tags)
        SELECT sort_key, text, author_label, tags FROM items;
    -- The same key as items_sort_key computes: trigger order is not to be relied on.
    CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN
        INSERT INTO items_fts(rowid, text, author, tags) VALUES (
            coalesce(new.sort_key, (max(CAST(new.created_at AS INTEGER), 0) << 31) | new.id),
            new.text, new.author_label, new.tags
        );
    END;
    CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
        INSERT INTO items_fts(items_fts, rowid, text, author, tags)
        VALUES ('delete', old.sort_key, old.text, old.author_label, old.tags);
    END;
    CREATE TRIGGER items_fts_update AFTER UPDATE OF text, author_label, tags ON items BEGIN
        INSERT INTO items_fts(items_fts, rowid, text, author, tags)
        VALUES ('delete', old.sort_key, old.text, old.author_label, old.tags);
        INSERT INTO items_fts(rowid, text, author, tags)
        VALUES (new.sort_key, new.text, new.author_label, new.tags);
    END;
    """,
    # 3: cached thread context, app settings, tone corrections
    """
    CREATE TABLE context_posts (
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        remote_id TEXT NOT NULL,
        item_root_id TEXT NOT NULL,
        parent_id TEXT NOT NULL DEFAULT '',
        author_id INTEGER NOT NULL REFERENCES contacts(id),
        text TEXT NOT NULL,
        url TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        is_own INTEGER NOT NULL DEFAULT 0,
        fetched_at REAL NOT NULL,
        PRIMARY KEY (account_id, remote_id)
    );
    CREATE INDEX context_by_root ON context_posts(account_id, item_root_id);
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE tone_corrections (
        id INTEGER PRIMARY KEY,
        text TEXT NOT NULL,
        role TEXT NOT NULL,
        verdict INTEGER NOT NULL,
        reasons TEXT NOT NULL DEFAULT '[]',
        item_id INTEGER REFERENCES items(id) ON DELETE SET NULL,
        created_at REAL NOT NULL
    );
    """,
    # 4: read-state pushed back to the platform
    """
    ALTER TABLE items ADD COLUMN read_pushed INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX items_read_to_push ON items(account_id)
        WHERE read_pushed = 0 AND (state = 'done' OR read = 1);
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
