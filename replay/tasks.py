"""The policy replay's chunk task (thin: ``replay.services.chunk_execute``)."""

from celery import shared_task

from .services import chunk_execute


@shared_task(name="replay.run_chunk", acks_late=True, reject_on_worker_lost=True)
def run_chunk(job_id: int, index: int) -> bool:
    return chunk_execute(job_id=job_id, index=index)
