"""The optimizer as an HTTP service: FastAPI app, durable job store, in-process or Celery workers."""
