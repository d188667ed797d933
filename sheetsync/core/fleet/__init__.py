"""The fleet's pure logic: many therapists' Sheets synced by one deployment.

* ``tenants``: a tenant (one enrolled Sheet) as the registry holds it, its ids, and what a run
  does to its record (last run, consecutive failures, paused);
* ``schedule``: hourly slots, which tenants are due in one, and the task names that make a
  repeated dispatch create nothing twice;
* ``rates``: the queue's dispatch rate and concurrency, derived from the Sheets quota;
* ``consent``: the OAuth consent's signed ``state`` and its PKCE challenge;
* ``failures``: which failures are worth a retry, which pause a tenant.

No I/O and no clock here, as in the rest of ``core``: the time, the random values and the
signing key are arguments.
"""
