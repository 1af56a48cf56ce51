-- People who log in to the desk. The id is the login name and the agent id a desk user acts as
-- (claims, notes, resolutions). Passwords are PasswordHasher<T> hashes (PBKDF2); roles and queues are
-- JSON arrays. Repeated failed logins lock the account until locked_until (Unix milliseconds).
CREATE TABLE users (
    id            TEXT    PRIMARY KEY,
    display_name  TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    roles         TEXT    NOT NULL,
    queues        TEXT    NOT NULL,
    failed_logins BIGINT  NOT NULL DEFAULT 0,
    locked_until  BIGINT,
    created_at    BIGINT  NOT NULL
);
