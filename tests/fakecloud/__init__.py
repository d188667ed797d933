"""fakecloud: the Google Cloud services the fleet uses, for the tests and the fleet demo.

* ``emulators``: Google's own Firestore and Pub/Sub emulators (``gcloud emulators ...``),
  started and stopped as processes;
* ``tasks``: an in-process fake of Cloud Tasks (no faithful emulator exists) that the real
  ``google-cloud-tasks`` client talks gRPC to, and that models a queue's rate, concurrency,
  retries with backoff and task-name de-duplication;
* ``secrets``: an in-process fake of Secret Manager, over gRPC likewise;
* ``grpcfake``: the loopback gRPC server both fakes run on;
* ``clock``: the virtual clock the fake queue dispatches on.
"""
