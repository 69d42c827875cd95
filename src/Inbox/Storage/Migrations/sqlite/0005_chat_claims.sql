-- A number typed in a chat is a claim, not an identity. Before this version such a number was recorded as the chat
-- contact's own (SMS and phone identities with source 'resident', and the contact's phone), so a later text or call
-- from that number joined the chat's record and replies could follow it. Those identities go, and a contact keeps a
-- number only while an SMS or phone identity still carries it. The number stays on the callback request it was given for.
-- Records the old code already merged cannot be told apart from the data; docs/security.md says how to review them.
DELETE FROM channel_identities WHERE source = 'resident';
UPDATE contacts SET phone = NULL
WHERE phone IS NOT NULL
  AND NOT EXISTS (
      SELECT 1 FROM channel_identities i
      WHERE i.contact_id = contacts.id AND i.channel IN ('sms', 'phone') AND i.address = contacts.phone);
