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
    # 5: the consistency ledger (core/ledger). The user's own posts seen on the platform; when
    # each item was first answered; the tone of each sent reply; one row per contact kept in
    # step by triggers, so every path that writes items or replies keeps the ledger exact
    # without calling it. ledger_state.paused lets a full rebuild bulk-load without them, and
    # needs_rebuild asks the first reader to compute the rows for items stored before this.
    """
    CREATE TABLE own_posts (
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        remote_id TEXT NOT NULL,
        parent_id TEXT NOT NULL DEFAULT '',
        thread_root_id TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        PRIMARY KEY (account_id, remote_id)
    );
    CREATE INDEX own_posts_by_parent ON own_posts(account_id, parent_id, created_at);
    CREATE INDEX own_posts_by_thread ON own_posts(account_id, thread_root_id, created_at);
    CREATE TABLE item_answers (
        item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
        contact_id INTEGER NOT NULL,
        created_at REAL NOT NULL,
        answered_at REAL NOT NULL,
        via TEXT NOT NULL,
        delay REAL GENERATED ALWAYS AS (max(0.0, answered_at - created_at)) VIRTUAL
    );
    CREATE INDEX item_answers_by_contact
        ON item_answers(contact_id, delay, answered_at, created_at);
    CREATE TABLE tone_given (
        reply_id INTEGER PRIMARY KEY REFERENCES replies(id) ON DELETE CASCADE,
        contact_id INTEGER NOT NULL,
        sent_at REAL NOT NULL,
        polarity REAL NOT NULL
    );
    CREATE INDEX tone_given_by_contact ON tone_given(contact_id, sent_at, polarity);
    CREATE TABLE contact_ledger (
        contact_id INTEGER PRIMARY KEY REFERENCES contacts(id) ON DELETE CASCADE,
        received INTEGER NOT NULL DEFAULT 0,
        answered INTEGER NOT NULL DEFAULT 0,
        deleted INTEGER NOT NULL DEFAULT 0,
        streak INTEGER NOT NULL DEFAULT 0,
        polarity_sum REAL NOT NULL DEFAULT 0,
        given_sum REAL NOT NULL DEFAULT 0,
        given_count INTEGER NOT NULL DEFAULT 0,
        last_in REAL,
        last_out REAL,
        last_answered_item REAL,
        median_delay REAL,
        p90_delay REAL,
        stale INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX contact_ledger_stale ON contact_ledger(contact_id) WHERE stale = 1;
    CREATE TABLE ledger_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        paused INTEGER NOT NULL DEFAULT 0,
        needs_rebuild INTEGER NOT NULL DEFAULT 0
    );
    INSERT INTO ledger_state(id, paused, needs_rebuild)
        VALUES (1, 0, EXISTS (SELECT 1 FROM items));
    -- Own posts already cached as thread context count too.
    INSERT OR IGNORE INTO own_posts(account_id, remote_id, parent_id, thread_root_id, created_at)
        SELECT account_id, remote_id, parent_id, item_root_id, created_at
        FROM context_posts WHERE is_own = 1;
    -- A covering index: the ledger reads a contact's items without touching the table.
    DROP INDEX items_by_author;
    CREATE INDEX items_by_author ON items(author_id, created_at, polarity, deleted_at);
    -- Items still waiting, per author, with every column is:owed reads: checking a contact's
    -- owed items never touches the table.
    CREATE INDEX items_open_by_author ON items(author_id, created_at, kind, state, deleted_at)
        WHERE state = 'new' AND deleted_at IS NULL;
    -- "Is there a sent reply to this item?" (is:owed asks it per item): without both columns
    -- the planner may walk every sent reply through replies_by_state instead.
    CREATE INDEX replies_by_item_state ON replies(item_id, state);

    -- A new item: count it, and look for an own post that already answers it.
    CREATE TRIGGER ledger_item_added AFTER INSERT ON items BEGIN
        INSERT INTO contact_ledger(contact_id, received, deleted, streak, polarity_sum, last_in)
        VALUES (
            new.author_id, 1, new.deleted_at IS NOT NULL, new.deleted_at IS NULL,
            new.polarity, new.created_at
        )
        ON CONFLICT(contact_id) DO UPDATE SET
            received = received + 1,
            deleted = deleted + excluded.deleted,
            streak = streak + (
                excluded.streak AND new.created_at > coalesce(last_answered_item, -1e300)
            ),
            polarity_sum = polarity_sum + excluded.polarity_sum,
            last_in = max(coalesce(last_in, excluded.last_in), excluded.last_in);
        INSERT INTO item_answers(item_id, contact_id, created_at, answered_at, via)
        SELECT new.id, new.author_id, new.created_at, answered_at, via FROM (
            SELECT created_at AS answered_at, 'platform' AS via FROM own_posts
            WHERE account_id = new.account_id AND parent_id = new.remote_id
            UNION ALL
            SELECT created_at, 'thread' FROM own_posts
            WHERE account_id = new.account_id AND thread_root_id = new.thread_root_id
                AND new.thread_root_id != '' AND parent_id != new.remote_id
                AND created_at > new.created_at
            ORDER BY 1 LIMIT 1
        );
    END;
    CREATE TRIGGER ledger_item_deleted AFTER UPDATE OF deleted_at ON items
    WHEN (old.deleted_at IS NULL) != (new.deleted_at IS NULL) BEGIN
        UPDATE contact_ledger SET
            deleted = deleted + (CASE WHEN new.deleted_at IS NULL THEN -1 ELSE 1 END),
            streak = streak + (
                CASE WHEN new.created_at > coalesce(last_answered_item, -1e300)
                    AND NOT EXISTS (SELECT 1 FROM item_answers WHERE item_id = new.id)
                THEN (CASE WHEN new.deleted_at IS NULL THEN 1 ELSE -1 END) ELSE 0 END
            )
        WHERE contact_id = new.author_id;
    END;
    CREATE TRIGGER ledger_item_tone AFTER UPDATE OF polarity ON items
    WHEN old.polarity != new.polarity BEGIN
        UPDATE contact_ledger SET polarity_sum = polarity_sum + new.polarity - old.polarity
        WHERE contact_id = new.author_id;
    END;
    -- Removing items (an account removed) is rare: the reader recomputes the contact.
    CREATE TRIGGER ledger_item_removed AFTER DELETE ON items BEGIN
        UPDATE contact_ledger SET stale = 1 WHERE contact_id = old.author_id AND stale = 0;
    END;

    -- An own post answers the item it replies to, and (weaker) what came before it in the thread.
    CREATE TRIGGER ledger_own_post_added AFTER INSERT ON own_posts BEGIN
        INSERT INTO item_answers(item_id, contact_id, created_at, answered_at, via)
        SELECT id, author_id, created_at, new.created_at, 'platform' FROM items
        WHERE account_id = new.account_id AND remote_id = new.parent_id
        ON CONFLICT(item_id) DO UPDATE SET answered_at = excluded.answered_at, via = excluded.via
        WHERE excluded.answered_at < answered_at;
        INSERT INTO item_answers(item_id, contact_id, created_at, answered_at, via)
        SELECT id, author_id, created_at, new.created_at, 'thread' FROM items
        WHERE account_id = new.account_id AND thread_root_id = new.thread_root_id
            AND new.thread_root_id != '' AND remote_id != new.parent_id
            AND created_at < new.created_at
        ON CONFLICT(item_id) DO UPDATE SET answered_at = excluded.answered_at, via = excluded.via
        WHERE excluded.answered_at < answered_at;
    END;
    -- Thread context shows the user's own posts too (replies made outside Rapport).
    CREATE TRIGGER ledger_own_post_in_context AFTER INSERT ON context_posts
    WHEN new.is_own = 1 BEGIN
        INSERT INTO own_posts(account_id, remote_id, parent_id, thread_root_id, created_at)
        VALUES (new.account_id, new.remote_id, new.parent_id, new.item_root_id, new.created_at)
        ON CONFLICT(account_id, remote_id) DO NOTHING;
    END;

    -- A reply sent from Rapport answers its item; its tone is the tone the user gave.
    CREATE TRIGGER ledger_reply_sent AFTER UPDATE OF state ON replies
    WHEN new.state = 'sent' AND old.state != 'sent' BEGIN
        INSERT INTO item_answers(item_id, contact_id, created_at, answered_at, via)
        SELECT id, author_id, created_at, coalesce(new.sent_at, new.updated_at), 'rapport'
        FROM items WHERE id = new.item_id
        ON CONFLICT(item_id) DO UPDATE SET answered_at = excluded.answered_at, via = excluded.via
        WHERE excluded.answered_at < answered_at;
        INSERT INTO tone_given(reply_id, contact_id, sent_at, polarity)
        SELECT new.id, author_id, coalesce(new.sent_at, new.updated_at),
            json_extract(new.tone, '$.polarity')
        FROM items WHERE id = new.item_id AND json_valid(new.tone)
            AND typeof(json_extract(new.tone, '$.polarity')) IN ('integer', 'real')
        ON CONFLICT(reply_id) DO NOTHING;
    END;
    CREATE TRIGGER ledger_reply_stored_sent AFTER INSERT ON replies
    WHEN new.state = 'sent' BEGIN
        INSERT INTO item_answers(item_id, contact_id, created_at, answered_at, via)
        SELECT id, author_id, created_at, coalesce(new.sent_at, new.updated_at), 'rapport'
        FROM items WHERE id = new.item_id
        ON CONFLICT(item_id) DO UPDATE SET answered_at = excluded.answered_at, via = excluded.via
        WHERE excluded.answered_at < answered_at;
        INSERT INTO tone_given(reply_id, contact_id, sent_at, polarity)
        SELECT new.id, author_id, coalesce(new.sent_at, new.updated_at),
            json_extract(new.tone, '$.polarity')
        FROM items WHERE id = new.item_id AND json_valid(new.tone)
            AND typeof(json_extract(new.tone, '$.polarity')) IN ('integer', 'real')
        ON CONFLICT(reply_id) DO NOTHING;
    END;

    -- The contact's row follows its answers: counts, the streak, median and p90 delay. The p90
    -- (rank ceil(0.9 n)) is read from the long end: a walk of n/10 entries, not 9n/10.
    CREATE TRIGGER ledger_answer_added AFTER INSERT ON item_answers
    WHEN (SELECT paused FROM ledger_state) = 0 BEGIN
        UPDATE contact_ledger SET
            answered = answered + 1,
            last_out = max(coalesce(last_out, new.answered_at), new.answered_at),
            last_answered_item = max(
                coalesce(last_answered_item, new.created_at), new.created_at
            ),
            streak = CASE WHEN new.created_at > coalesce(last_answered_item, -1e300) THEN (
                SELECT count(*) FROM items
                WHERE author_id = new.contact_id AND created_at > new.created_at
                    AND deleted_at IS NULL
                    AND NOT EXISTS (SELECT 1 FROM item_answers a WHERE a.item_id = items.id)
            ) ELSE streak END
        WHERE contact_id = new.contact_id;
        UPDATE contact_ledger SET
            median_delay = (
                SELECT avg(delay) FROM (
                    SELECT delay FROM item_answers WHERE contact_id = new.contact_id
                    ORDER BY delay
                    LIMIT 2 - (SELECT answered FROM contact_ledger
                               WHERE contact_id = new.contact_id) % 2
                    OFFSET ((SELECT answered FROM contact_ledger
                             WHERE contact_id = new.contact_id) - 1) / 2
                )
            ),
            p90_delay = (
                SELECT delay FROM item_answers WHERE contact_id = new.contact_id
                ORDER BY delay DESC
                LIMIT 1 OFFSET (SELECT answered - (9 * answered + 9) / 10 FROM contact_ledger
                                WHERE contact_id = new.contact_id)
            )
        WHERE contact_id = new.contact_id;
    END;
    CREATE TRIGGER ledger_answer_moved AFTER UPDATE OF answered_at ON item_answers
    WHEN (SELECT paused FROM ledger_state) = 0 BEGIN
        UPDATE contact_ledger SET
            last_out = CASE WHEN old.answered_at >= last_out THEN (
                SELECT max(answered_at) FROM item_answers WHERE contact_id = new.contact_id
            ) ELSE last_out END,
            median_delay = (
                SELECT avg(delay) FROM (
                    SELECT delay FROM item_answers WHERE contact_id = new.contact_id
                    ORDER BY delay
                    LIMIT 2 - (SELECT answered FROM contact_ledger
                               WHERE contact_id = new.contact_id) % 2
                    OFFSET ((SELECT answered FROM contact_ledger
                             WHERE contact_id = new.contact_id) - 1) / 2
                )
            ),
            p90_delay = (
                SELECT delay FROM item_answers WHERE contact_id = new.contact_id
                ORDER BY delay DESC
                LIMIT 1 OFFSET (SELECT answered - (9 * answered + 9) / 10 FROM contact_ledger
                                WHERE contact_id = new.contact_id)
            )
        WHERE contact_id = new.contact_id;
    END;
    CREATE TRIGGER ledger_tone_given AFTER INSERT ON tone_given
    WHEN (SELECT paused FROM ledger_state) = 0 BEGIN
        UPDATE contact_ledger SET
            given_sum = given_sum + new.polarity,
            given_count = given_count + 1
        WHERE contact_id = new.contact_id;
    END;
    """,
    # 6: "which of these threads are muted?" (asked for every synced page) without reading the
    # rows of every item of those threads: a small index of the muted items only. And an own
    # post answers only the thread's items since the user's previous post in it: the earlier
    # ones were answered by that post already (at an earlier time, so they would not move).
    # Without that window (and the time in the thread index to find it by), a thread of n
    # items and m own posts cost n x m row reads.
    """
    CREATE INDEX items_muted_by_thread ON items(account_id, thread_root_id)
        WHERE state = 'muted';
    DROP INDEX items_by_thread;
    CREATE INDEX items_by_thread ON items(account_id, thread_root_id, created_at);
    DROP TRIGGER ledger_own_post_added;
    CREATE TRIGGER ledger_own_post_added AFTER INSERT ON own_posts BEGIN
        INSERT INTO item_answers(item_id, contact_id, created_at, answered_at, via)
        SELECT id, author_id, created_at, new.created_at, 'platform' FROM items
        WHERE account_id = new.account_id AND remote_id = new.parent_id
        ON CONFLICT(item_id) DO UPDATE SET answered_at = excluded.answered_at, via = excluded.via
        WHERE excluded.answered_at < answered_at;
        INSERT INTO item_answers(item_id, contact_id, created_at, answered_at, via)
        SELECT id, author_id, created_at, new.created_at, 'thread' FROM items
        WHERE account_id = new.account_id AND thread_root_id = new.thread_root_id
            AND new.thread_root_id != '' AND remote_id != new.parent_id
            AND created_at < new.created_at
            AND created_at >= coalesce((
                SELECT max(created_at) FROM own_posts
                WHERE account_id = new.account_id AND thread_root_id = new.thread_root_id
                    AND created_at < new.created_at
            ), -1e300)
        ON CONFLICT(item_id) DO UPDATE SET answered_at = excluded.answered_at, via = excluded.via
        WHERE excluded.answered_at < answered_at;
    END;
    """,
    # 7: the tone the user gave in replies made on the platform. An own post carries its tone
    # (scored at sync: own_posts.polarity, NULL when unknown, as for every own post stored
    # before this), and one that replies to a stored item is tone given to that item's author:
    # own_tone_given, beside tone_given (replies sent from Rapport), feeds contact_ledger's
    # given_sum and given_count. An own post that is the platform's copy of a reply sent from
    # Rapport (same remote id) is not counted twice: the sent reply's tone stands. The triggers
    # here do not wait for ledger_state.paused: store_own_posts pauses the answer triggers
    # while its posts go in but recomputes only the answer columns, and a rebuild recomputes
    # every row after writing these tables, so adding at once is right in both.
    """
    ALTER TABLE own_posts ADD COLUMN polarity REAL;
    CREATE TABLE own_tone_given (
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        remote_id TEXT NOT NULL,
        contact_id INTEGER NOT NULL,
        sent_at REAL NOT NULL,
        polarity REAL NOT NULL,
        PRIMARY KEY (account_id, remote_id)
    );
    CREATE INDEX own_tone_given_by_contact ON own_tone_given(contact_id, sent_at, polarity);
    -- "Is this own post a reply sent from Rapport?", asked for each own post with a tone.
    CREATE INDEX replies_by_remote ON replies(account_id, remote_id);

    CREATE TRIGGER ledger_own_tone_added AFTER INSERT ON own_tone_given BEGIN
        INSERT INTO contact_ledger(contact_id, given_sum, given_count)
        VALUES (new.contact_id, new.polarity, 1)
        ON CONFLICT(contact_id) DO UPDATE SET
            given_sum = given_sum + excluded.given_sum,
            given_count = given_count + 1;
    END;
    CREATE TRIGGER ledger_own_tone_removed AFTER DELETE ON own_tone_given BEGIN
        UPDATE contact_ledger SET
            given_sum = given_sum - old.polarity,
            given_count = given_count - 1
        WHERE contact_id = old.contact_id;
    END;

    -- An own post with a tone, replying to a stored item: tone given to its author.
    CREATE TRIGGER ledger_own_post_tone AFTER INSERT ON own_posts
    WHEN new.polarity IS NOT NULL AND new.parent_id != '' BEGIN
        INSERT INTO own_tone_given(account_id, remote_id, contact_id, sent_at, polarity)
        SELECT new.account_id, new.remote_id, author_id, new.created_at, new.polarity
        FROM items WHERE account_id = new.account_id AND remote_id = new.parent_id
            AND NOT EXISTS (
                SELECT 1 FROM replies WHERE replies.account_id = new.account_id
                    AND replies.remote_id = new.remote_id AND replies.state = 'sent'
            )
        ON CONFLICT(account_id, remote_id) DO NOTHING;
    END;
    -- ... or stored before without one (from thread context, or before this migration) and
    -- seen again by a sync that scored it.
    CREATE TRIGGER ledger_own_post_scored AFTER UPDATE OF polarity ON own_posts
    WHEN old.polarity IS NULL AND new.polarity IS NOT NULL AND new.parent_id != '' BEGIN
        INSERT INTO own_tone_given(account_id, remote_id, contact_id, sent_at, polarity)
        SELECT new.account_id, new.remote_id, author_id, new.created_at, new.polarity
        FROM items WHERE account_id = new.account_id AND remote_id = new.parent_id
            AND NOT EXISTS (
                SELECT 1 FROM replies WHERE replies.account_id = new.account_id
                    AND replies.remote_id = new.remote_id AND replies.state = 'sent'
            )
        ON CONFLICT(account_id, remote_id) DO NOTHING;
    END;
    -- A new item that own posts stored earlier reply to (a page stores its own posts first).
    CREATE TRIGGER ledger_item_own_tone AFTER INSERT ON items BEGIN
        INSERT INTO own_tone_given(account_id, remote_id, contact_id, sent_at, polarity)
        SELECT account_id, remote_id, new.author_id, created_at, polarity FROM own_posts
        WHERE account_id = new.account_id AND parent_id = new.remote_id
            AND polarity IS NOT NULL
            AND NOT EXISTS (
                SELECT 1 FROM replies WHERE replies.account_id = own_posts.account_id
                    AND replies.remote_id = own_posts.remote_id AND replies.state = 'sent'
            )
        ON CONFLICT(account_id, remote_id) DO NOTHING;
    END;
    -- A reply sent from Rapport whose platform copy was stored first as an own post (a reply
    -- found on the platform after a lost answer): the reply's tone replaces the copy's.
    CREATE TRIGGER ledger_reply_sent_own_copy AFTER UPDATE OF state ON replies
    WHEN new.state = 'sent' AND new.remote_id != '' BEGIN
        DELETE FROM own_tone_given
        WHERE account_id = new.account_id AND remote_id = new.remote_id;
    END;
    CREATE TRIGGER ledger_reply_stored_sent_own_copy AFTER INSERT ON replies
    WHEN new.state = 'sent' AND new.remote_id != '' BEGIN
        DELETE FROM own_tone_given
        WHERE account_id = new.account_id AND remote_id = new.remote_id;
    END;
    """,
    # 8: a synced page's items go into the full-text index in one statement, in rowid (sort
    # key) order (see core.store.page_sql._insert_items). Row by row (items_fts_insert) they went
    # in page order, newest first, and every rowid lower than the one before made FTS5 flush its
    # pending terms as a new segment: one segment per item, each merged again later (about 4x
    # the work of the index). ingest_state.fts_batched turns the trigger off, only inside the
    # page's transaction; every other insert (the app, tests, older code) still indexes per row.
    """
    CREATE TABLE ingest_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        fts_batched INTEGER NOT NULL DEFAULT 0
    );
    INSERT INTO ingest_state(id) VALUES (1);
    DROP TRIGGER items_fts_insert;
    CREATE TRIGGER items_fts_insert AFTER INSERT ON items
    WHEN (SELECT fts_batched FROM ingest_state) = 0 BEGIN
        INSERT INTO items_fts(rowid, text, author, tags) VALUES (
            coalesce(new.sort_key, (max(CAST(new.created_at AS INTEGER), 0) << 31) | new.id),
            new.text, new.author_label, new.tags
        );
    END;
    """,
    # 9: a synced page does the ledger's row work in a few set-based statements (see
    # core.store.ledger_pages): its new items are counted, answered and given their tone in one
    # statement each, and the answers its own posts give are found once per item for a whole
    # group of pages. Row by row, each own post of a backfill (newest first) moved the answers
    # of its thread again, and each INSERT ... SELECT in these triggers copied its rows into a
    # temporary b-tree before inserting them (the target table has triggers of its own).
    # ingest_state.ledger_batched turns these triggers off, only inside a page's statements, as
    # fts_batched does for the full-text index; every other write still goes through them. The
    # bodies are those of migrations 5 (ledger_item_added), 6 and 7, unchanged.
    """
    ALTER TABLE ingest_state ADD COLUMN ledger_batched INTEGER NOT NULL DEFAULT 0;
    DROP TRIGGER ledger_item_added;
    CREATE TRIGGER ledger_item_added AFTER INSERT ON items
    WHEN (SELECT ledger_batched FROM ingest_state) = 0 BEGIN
        INSERT INTO contact_ledger(contact_id, received, deleted, streak, polarity_sum, last_in)
        VALUES (
            new.author_id, 1, new.deleted_at IS NOT NULL, new.deleted_at IS NULL,
            new.polarity, new.created_at
        )
        ON CONFLICT(contact_id) DO UPDATE SET
            received = received + 1,
            deleted = deleted + excluded.deleted,
            streak = streak + (
                excluded.streak AND new.created_at > coalesce(last_answered_item, -1e300)
            ),
            polarity_sum = polarity_sum + excluded.polarity_sum,
            last_in = max(coalesce(last_in, excluded.last_in), excluded.last_in);
        INSERT INTO item_answers(item_id, contact_id, created_at, answered_at, via)
        SELECT new.id, new.author_id, new.created_at, answered_at, via FROM (
            SELECT created_at AS answered_at, 'platform' AS via FROM own_posts
            WHERE account_id = new.account_id AND parent_id = new.remote_id
            UNION ALL
            SELECT created_at, 'thread' FROM own_posts
            WHERE account_id = new.account_id AND thread_root_id = new.thread_root_id
                AND new.thread_root_id != '' AND parent_id != new.remote_id
                AND created_at > new.created_at
            ORDER BY 1 LIMIT 1
        );
    END;
    DROP TRIGGER ledger_item_own_tone;
    CREATE TRIGGER ledger_item_own_tone AFTER INSERT ON items
    WHEN (SELECT ledger_batched FROM ingest_state) = 0 BEGIN
        INSERT INTO own_tone_given(account_id, remote_id, contact_id, sent_at, polarity)
        SELECT account_id, remote_id, new.author_id, created_at, polarity FROM own_posts
        WHERE account_id = new.account_id AND parent_id = new.remote_id
            AND polarity IS NOT NULL
            AND NOT EXISTS (
                SELECT 1 FROM replies WHERE replies.account_id = own_posts.account_id
                    AND replies.remote_id = own_posts.remote_id AND replies.state = 'sent'
            )
        ON CONFLICT(account_id, remote_id) DO NOTHING;
    END;
    DROP TRIGGER ledger_own_post_added;
    CREATE TRIGGER ledger_own_post_added AFTER INSERT ON own_posts
    WHEN (SELECT ledger_batched FROM ingest_state) = 0 BEGIN
        INSERT INTO item_answers(item_id, contact_id, created_at, answered_at, via)
        SELECT id, author_id, created_at, new.created_at, 'platform' FROM items
        WHERE account_id = new.account_id AND remote_id = new.parent_id
        ON CONFLICT(item_id) DO UPDATE SET answered_at = excluded.answered_at, via = excluded.via
        WHERE excluded.answered_at < answered_at;
        INSERT INTO item_answers(item_id, contact_id, created_at, answered_at, via)
        SELECT id, author_id, created_at, new.created_at, 'thread' FROM items
        WHERE account_id = new.account_id AND thread_root_id = new.thread_root_id
            AND new.thread_root_id != '' AND remote_id != new.parent_id
            AND created_at < new.created_at
            AND created_at >= coalesce((
                SELECT max(created_at) FROM own_posts
                WHERE account_id = new.account_id AND thread_root_id = new.thread_root_id
                    AND created_at < new.created_at
            ), -1e300)
        ON CONFLICT(item_id) DO UPDATE SET answered_at = excluded.answered_at, via = excluded.via
        WHERE excluded.answered_at < answered_at;
    END;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
