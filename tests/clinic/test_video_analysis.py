"""The analysis job on the real PostgreSQL, with a stand-in analyzer (the real one runs in
test_videos.py): one result per video whatever happens, reasons for videos that cannot be
analysed, retries, files removed or kept, and the per-second table."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import Engine
from tests.clinic.conftest import ClinicWorld, Person, build_world, tiny_video

from hipflex.domain.clinic_videos import VideoStatus
from hipflex.domain.clock import FakeClock
from hipflex.jobs.queue import AnalysisJob, Attempt
from hipflex.services.clinic.video_analysis import (
    AnalysisOutput,
    UnusableVideo,
    VideoAnalysis,
    per_second,
)
from hipflex.services.clinic.video_files import VideoFiles
from hipflex.services.clinic.videos import ANALYZER_VERSION
from hipflex.storage.clinic.store import ClinicStore
from hipflex.storage.clinic.video_repo import VideoRepository, VideoStore

TIMELINE = {
    "t_s": [0.0, 0.5, 1.0, 1.5, 2.0],
    "status": ["no_person", "good", "good", "leaning_forward", "good"],
    "side": [None, "left", "left", "left", None],
    "hip_extension_deg": [None, 10.0, 14.0, 12.0, None],
}


class StandInAnalyzer:
    """Writes an annotated file and returns fixed figures; counts its calls."""

    def __init__(self, error: Exception | None = None) -> None:
        self.calls = 0
        self.error = error

    def __call__(self, video: Path, out_dir: Path, progress: Any) -> AnalysisOutput:
        self.calls += 1
        assert video.exists()
        progress(50, 100)
        if self.error is not None:
            raise self.error
        annotated = out_dir / "x.annotated.mp4"
        annotated.write_bytes(b"annotated")
        summary = {
            "good_form_s": 1.5,
            "in_position": 2.0,
            "time_by_side_s": {"left": {"in_position_s": 2.0, "good_form_s": 1.5}},
            "max_hip_extension_deg": 14.0,
            "median_hip_extension_good_form_deg": 12.0,
            "kneeling_side": "left",
            "warnings": [],
        }
        return AnalysisOutput(5, 2.5, summary, TIMELINE, annotated)


def upload(person: Person, patient_id: str, content: bytes) -> str:
    response = person.client.post(
        f"/patients/{patient_id}/videos",
        data={"csrf_token": person.csrf},
        files={"video": ("clip.mp4", content, "video/mp4")},
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"].rsplit("/", 1)[1])


@pytest.fixture(scope="module")
def world(app: FastAPI) -> ClinicWorld:
    return build_world(app, "job")


def sha_of(engine: Engine, upload_id: str) -> str:
    with engine.connect() as connection:
        return str(
            connection.execute(
                text("SELECT sha256 FROM video_uploads WHERE id = :id"), {"id": upload_id}
            ).scalar()
        )


def count(engine: Engine, sql: str, **params: Any) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(sql), params).scalar() or 0)


def analysis(
    engine: Engine, data_dir: Path, analyzer: StandInAnalyzer, *, keep: bool = False
) -> VideoAnalysis:
    store = VideoStore(ClinicStore(engine))
    return VideoAnalysis(store, VideoFiles(data_dir), analyzer, FakeClock(), keep_videos=keep)


def state(person: Person, upload_id: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(person.client.get(f"/videos/{upload_id}/status").text)
    return body


def make_video(seed: int) -> bytes:
    """A real video; ``seed`` makes its bytes (and so its SHA-256) differ."""
    return tiny_video() + bytes([seed])  # trailing bytes: the container still decodes


def test_a_job_run_twice_stores_one_result_and_analyses_once(
    world: ClinicWorld, app: FastAPI, clinic_engine: Engine, video_data_dir: Path
) -> None:
    content = make_video(1)
    mine = upload(world.patient, world.patient.id, content)
    theirs = upload(world.other_clinician, world.other_patient.id, content)  # same bytes
    sha = sha_of(clinic_engine, mine)
    jobs = "SELECT count(*) FROM procrastinate_jobs WHERE args->>'sha256' = :sha"
    assert count(clinic_engine, jobs, sha=sha) == 1  # the queueing lock: one job for both
    analyzer = StandInAnalyzer()
    job = AnalysisJob(sha, ANALYZER_VERSION)
    runner = analysis(clinic_engine, video_data_dir, analyzer)
    assert runner.run(job, Attempt(1, False)) is VideoStatus.DONE
    assert runner.run(job, Attempt(1, False)) is VideoStatus.DONE  # a duplicate delivery
    assert analyzer.calls == 1
    assert (
        count(clinic_engine, "SELECT count(*) FROM video_results WHERE sha256 = :sha", sha=sha) == 1
    )
    for person, upload_id in ((world.patient, mine), (world.other_clinician, theirs)):
        result = state(person, upload_id)["result"]
        assert result["good_form_s_by_side"] == {"left": 1.5}
        assert result["per_second"][1] == {
            "t_s": 1, "status": "good", "side": "left", "hip_extension_deg": 13.0,
            "good_share": 0.5, "in_position_share": 1.0,
        }  # fmt: skip
        # The strip: second 1 half good form, half a correction, all of it in position.
        page = person.client.get(f"/videos/{upload_id}").text
        assert '<span class="part part-good h-5"></span><span class="part part-fault h-5">' in page
        assert "1 s: in position 100% of the second, good form 50%, hip extension 13°" in page
    # A result stored before the shares were kept (four items a second) still shows, by the
    # status seen most.
    with clinic_engine.begin() as connection:
        stored = connection.execute(
            text("SELECT result FROM video_results WHERE sha256 = :sha"), {"sha": sha}
        ).scalar_one()
        stored["per_second"] = [item[:4] for item in stored["per_second"]]
        connection.execute(
            text("UPDATE video_results SET result = CAST(:r AS json) WHERE sha256 = :sha"),
            {"r": json.dumps(stored), "sha": sha},
        )
    old_page = world.patient.client.get(f"/videos/{mine}").text
    assert '<li class="second second-good" title="1 s: good, hip extension 13°">' in old_page
    assert "part-good" not in old_page
    files = VideoFiles(video_data_dir)
    assert list(files.uploads.iterdir()) == []  # removed once analysed
    assert (files.results / files.result_name(sha, ANALYZER_VERSION)).read_bytes() == b"annotated"
    assert list(files.work.iterdir()) == []
    # Uploaded again after the analysis: done at once, no job, no file kept.
    again = upload(world.clinician, world.patient.id, content)
    assert again == mine  # the same patient's same bytes: the same upload
    # Another clinic's patient with bytes analysed before: done at once, no job, no file.
    stranger = build_world(app, "job2").patient
    late = upload(stranger, stranger.id, content)
    assert state(stranger, late)["status"] == "done"
    assert count(clinic_engine, jobs, sha=sha) == 1
    assert list(files.uploads.iterdir()) == []


def test_a_video_without_a_person_fails_with_the_reason(
    world: ClinicWorld, clinic_engine: Engine, video_data_dir: Path
) -> None:
    upload_id = upload(world.patient, world.patient.id, make_video(2))
    job = AnalysisJob(sha_of(clinic_engine, upload_id), ANALYZER_VERSION)
    analyzer = StandInAnalyzer(UnusableVideo("no person found in the video"))
    assert analysis(clinic_engine, video_data_dir, analyzer).run(job, Attempt(1, False)) is (
        VideoStatus.FAILED
    )
    body = state(world.patient, upload_id)
    assert (body["status"], body["error"], body["result"]) == (
        "failed",
        "no person found in the video",
        None,
    )
    assert list(VideoFiles(video_data_dir).uploads.iterdir()) == []
    page = world.patient.client.get(f"/videos/{upload_id}")
    assert "Could not analyse this video: no person found" in page.text


def test_an_error_is_retried_and_reported_after_the_last_try(
    world: ClinicWorld, clinic_engine: Engine, video_data_dir: Path
) -> None:
    upload_id = upload(world.patient, world.patient.id, make_video(3))
    job = AnalysisJob(sha_of(clinic_engine, upload_id), ANALYZER_VERSION)
    broken = analysis(clinic_engine, video_data_dir, StandInAnalyzer(OSError("disk full")))
    with pytest.raises(OSError):
        broken.run(job, Attempt(1, False))
    assert state(world.patient, upload_id)["status"] == "analysing"  # the queue retries it
    assert state(world.patient, upload_id)["progress_pct"] == 50
    with pytest.raises(OSError):
        broken.run(job, Attempt(3, True))
    body = state(world.patient, upload_id)
    assert body["status"] == "failed" and "the analysis failed (OSError)" in body["error"]
    assert (
        count(clinic_engine, "SELECT count(*) FROM video_results WHERE sha256 = :s", s=job.sha256)
        == 0
    )


def test_the_clinic_may_keep_the_uploaded_videos(
    world: ClinicWorld, clinic_engine: Engine, video_data_dir: Path
) -> None:
    upload_id = upload(world.patient, world.patient.id, make_video(4))
    job = AnalysisJob(sha_of(clinic_engine, upload_id), ANALYZER_VERSION)
    keeper = analysis(clinic_engine, video_data_dir, StandInAnalyzer(), keep=True)
    assert keeper.run(job, Attempt(1, False)) is VideoStatus.DONE
    kept = "SELECT stored_name FROM video_uploads WHERE id = :id"
    with clinic_engine.connect() as connection:
        name = connection.execute(text(kept), {"id": upload_id}).scalar()
    assert name and (VideoFiles(video_data_dir).uploads / name).exists()


class SteadyAnalyzer(StandInAnalyzer):
    """Reports every frame of a 30 fps clip, analysed at 60 frames a second of ``clock``
    (moved on as it goes), and notes the progress the page would read after each frame."""

    def __init__(self, clock: FakeClock, engine: Engine, upload_id: str, frames: int) -> None:
        super().__init__()
        self.clock, self.engine, self.upload_id, self.frames = clock, engine, upload_id, frames
        self.seen: list[int] = []

    def __call__(self, video: Path, out_dir: Path, progress: Any) -> AnalysisOutput:
        read = "SELECT progress_pct FROM video_uploads WHERE id = :id"
        for done in range(1, self.frames + 1):
            self.clock.advance(1 / 60)
            progress(done, self.frames)
            pct = count(self.engine, read, id=self.upload_id)
            if pct != (self.seen[-1] if self.seen else 0):
                self.seen.append(pct)
        return super().__call__(video, out_dir, lambda done, total: None)


def test_progress_moves_about_once_a_second_by_frames_analysed(
    world: ClinicWorld, clinic_engine: Engine, video_data_dir: Path, monkeypatch: Any
) -> None:
    upload_id = upload(world.patient, world.patient.id, make_video(5))
    job = AnalysisJob(sha_of(clinic_engine, upload_id), ANALYZER_VERSION)
    clock = FakeClock()
    analyzer = SteadyAnalyzer(clock, clinic_engine, upload_id, frames=600)  # 10 s of analysis
    writes: list[int] = []
    set_state = VideoRepository.set_state

    def counted(self: VideoRepository, *args: Any, **kwargs: Any) -> int:
        writes.append(kwargs.get("progress_pct", 0))
        return set_state(self, *args, **kwargs)

    monkeypatch.setattr(VideoRepository, "set_state", counted)
    store = VideoStore(ClinicStore(clinic_engine))
    runner = VideoAnalysis(store, VideoFiles(video_data_dir), analyzer, clock)
    assert runner.run(job, Attempt(1, False)) is VideoStatus.DONE
    # One write as the analysis starts, then about one a second of the ten, then the result:
    # the page sees it move every poll, and 600 frames made 12 writes, not 600.
    assert analyzer.seen[0] == 1  # the first frames, written at once: the model has started
    assert 9 <= len(analyzer.seen) <= 11, analyzer.seen
    assert analyzer.seen == sorted(analyzer.seen) and analyzer.seen[-1] <= 99
    steps = [b - a for a, b in itertools.pairwise(analyzer.seen)]
    assert max(steps) <= 11, analyzer.seen  # no jump bigger than a second's worth (10 %)
    assert len(writes) == len(analyzer.seen) + 2  # + "analysing" at the start, + "done"
    assert state(world.patient, upload_id)["progress_pct"] == 100


@pytest.mark.parametrize(
    ("timeline", "expected"),
    [
        pytest.param(
            {"t_s": [], "status": [], "side": [], "hip_extension_deg": []}, [], id="empty"
        ),
        pytest.param(
            TIMELINE,
            [(0, "no_person", "left", 10.0), (1, "good", "left", 13.0), (2, "good", None, None)],
            id="three-seconds",
        ),
        pytest.param(
            {
                "t_s": [0.1, 0.2, 0.3],
                "status": ["good", "arching_back", "arching_back"],
                "side": ["right", "right", None],
                "hip_extension_deg": [5.0, None, 7.0],
            },
            [(0, "arching_back", "right", 6.0)],
            id="most-seen-status",
        ),
    ],
)
def test_per_second_takes_what_each_second_showed_most(
    timeline: dict[str, list[Any]], expected: list[tuple[int, str, str | None, float | None]]
) -> None:
    got = [(s.t_s, s.status, s.side, s.hip_extension_deg) for s in per_second(timeline)]
    assert got == expected


def test_per_second_keeps_the_share_of_each_second_in_position() -> None:
    """A lunge passing through the stretch: in position 0.3 s of the second, never most of it.
    The status seen most says "get into position"; the shares still show the moment."""
    statuses = ["get_into_position"] * 7 + ["good", "good", "arching_back"]
    timeline = {
        "t_s": [i / 10 for i in range(10)],
        "status": statuses,
        "side": [None] * 7 + ["left"] * 3,
        "hip_extension_deg": [None] * 7 + [20.0, 22.0, 24.0],
    }
    (second,) = per_second(timeline)
    assert second.status == "get_into_position"
    assert (second.good_share, second.in_position_share) == (0.2, 0.3)
    nobody = per_second({"t_s": [0.0], "status": ["no_person"], "side": [None],
                         "hip_extension_deg": [None]})  # fmt: skip
    assert (nobody[0].good_share, nobody[0].in_position_share) == (0.0, 0.0)
    # The analysis's own in-position flags (debounced), when the timeline has them, are what
    # the video's "in position" seconds add up: the strip follows them.
    flagged = {**timeline, "in_position": [False] * 5 + [True] * 5}
    (second,) = per_second(flagged)
    assert (second.good_share, second.in_position_share) == (0.2, 0.5)


def test_an_analysis_that_is_starting_says_so_then_shows_its_figure(
    world: ClinicWorld, clinic_engine: Engine
) -> None:
    upload_id = upload(world.patient, world.patient.id, make_video(6))
    sha = sha_of(clinic_engine, upload_id)
    store = VideoStore(ClinicStore(clinic_engine))
    listing = f"/patients/{world.patient.id}/videos/list"
    for pct, words in ((0, "Analysing… starting"), (37, "Analysing… 37%")):
        with store.transaction() as tx:
            tx.videos.set_state(
                sha, ANALYZER_VERSION, VideoStatus.ANALYSING, FakeClock().now(), progress_pct=pct
            )
        for url in (f"/videos/{upload_id}", listing):
            assert words in world.patient.client.get(url).text, (url, pct)
