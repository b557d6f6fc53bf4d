-- A reminder lead under a minute is refused by `setup` and `check-config` (a lead of 0 was once
-- documented as "at the start" but dropped every reminder). Communities that stored such a lead
-- before the refusal get the built-in default of 10 minutes (`CommunitySettings::default`; also
-- the default of `community_defaults.reminder_lead`, which SQL cannot see); admins can change it
-- again with `setup`.
UPDATE communities SET reminder_lead_secs = 600 WHERE reminder_lead_secs < 60;
