-- 012_audit_filters: indexes for the admin audit log's filters (issue 11,
-- store/audit_query.h). Each filter reads one index backwards in (ts, id)
-- order (InnoDB appends the primary key to every secondary index) and stops
-- at a page: 001 has (ts), (user_id, ts) and (event, ts); the name typed at
-- a prompt, the service and the address get theirs here. The outcome has
-- two values and no index of its own: it is read along another one.
ALTER TABLE auth_events
  ADD KEY auth_events_username (username_tried, ts),
  ADD KEY auth_events_service (service, ts),
  ADD KEY auth_events_rhost (rhost, ts);
