-- Disabling an account ends its sessions for good: each token carries the generation it was issued in, a disable
-- starts the next one, so tokens from before stay refused after the account is enabled again (it signs in anew).
ALTER TABLE accounts ADD session_generation INT NOT NULL DEFAULT 0;
