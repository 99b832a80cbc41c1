"""Receiving an uploaded records file: stream it to a private temp folder, then ingest as a job.

Two shapes are accepted: a multipart form with a ``file`` field (the library page's form) and a
raw body with the name in ``?filename=`` (``curl --data-binary @f.xml``). The size limit is
enforced while the bytes arrive (``guard.py``), so a large upload never fills the disk.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi import Request
from starlette.datastructures import UploadFile

from .jobs import Job
from .problems import Problem
from .service import Service, new_upload_folder, safe_upload_name

CHUNK = 1024 * 1024


async def receive_upload(request: Request, service: Service) -> Job:
    """Save the upload and start the ingest job; 422 when there is no file or it is empty."""
    service.uploads.check_room()
    folder = new_upload_folder()
    try:
        target = await _save(request, folder)
        if target.stat().st_size == 0:
            raise Problem(422, "invalid_request", "the uploaded file is empty; choose a file of records")
        return service.start_add_job(folder, target)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


async def _save(request: Request, folder: Path) -> Path:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        return await _save_multipart(request, folder)
    if content_type.startswith("application/x-www-form-urlencoded"):
        raise Problem(415, "unsupported_media_type",
                      "send the file as multipart/form-data (field 'file') or as the raw body")
    target = folder / safe_upload_name(request.query_params.get("filename"))
    with target.open("wb") as out:
        async for chunk in request.stream():
            out.write(chunk)
    return target


async def _save_multipart(request: Request, folder: Path) -> Path:
    async with request.form(max_files=1, max_fields=8) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise Problem(422, "invalid_request", "no file in the form; choose a file to upload")
        target = folder / safe_upload_name(upload.filename)
        with target.open("wb") as out:
            while chunk := await upload.read(CHUNK):
                out.write(chunk)
    return target
