-- People who log in to the desk. The id is the login name and the agent id a desk user acts as
-- (claims, notes, resolutions). Passwords are PasswordHasher<T> hashes (PBKDF2); roles and queues are
-- JSON arrays. Repeated failed logins lock the account until locked_until (Unix milliseconds).
CREATE TABLE users (
    id            TEXT COLLATE "C"    PRIMARY KEY,
    display_name  TEXT COLLATE "C"    NOT NULL,
    password_hash TEXT COLLATE "C"    NOT NULL,
    roles         TEXT COLLATE "C"    NOT NULL,
    queues        TEXT COLLATE "C"    NOT NULL,
    failed_logins BIGINT  NOT NULL DEFAULT 0,
    locked_until  BIGINT,
    created_at    BIGINT  NOT NULL
);
