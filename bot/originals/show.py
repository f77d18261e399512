"""Read-side views of the originals store as JSON-ready dicts (originals show, speakers list)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from bot.models import Original, OriginalRevision, Speaker, SpeakerAlias, SpeakerHandle


def original_json(original: Original) -> dict[str, Any]:
    return {
        "id": original.id,
        "platform": original.platform,
        "post_id": original.post_id,
        "url": original.url,
        "author_name": original.author_name,
        "author_handle": original.author_handle,
        "speaker_id": original.speaker_id,
        "posted_at": original.posted_at.isoformat() if original.posted_at else None,
        "title": original.title,
        "text": original.text,
        "kind": original.kind,
        "status": original.status,
        "is_retweet": original.is_retweet,
        "parent_id": original.parent_id,
        "position": original.position,
        "resolved_at": original.resolved_at.isoformat() if original.resolved_at else None,
    }


def describe_original(session: Session, original_id: int) -> dict[str, Any] | None:
    """The original, its speaker, its passages (or its parent) and its earlier texts."""
    original = session.get(Original, original_id)
    if original is None:
        return None
    data = original_json(original)
    speaker = session.get(Speaker, original.speaker_id) if original.speaker_id else None
    data["speaker"] = speaker.name if speaker else None
    parent = session.get(Original, original.parent_id) if original.parent_id else None
    data["parent"] = (
        {"id": parent.id, "kind": parent.kind, "title": parent.title, "url": parent.url}
        if parent
        else None
    )
    passages = session.exec(
        select(Original).where(Original.parent_id == original_id).order_by(col(Original.position))
    ).all()
    data["passages"] = [
        {"id": p.id, "position": p.position, "author_name": p.author_name, "text": p.text}
        for p in passages
    ]
    revisions = session.exec(
        select(OriginalRevision)
        .where(OriginalRevision.original_id == original_id)
        .order_by(col(OriginalRevision.id))
    ).all()
    data["revisions"] = [
        {
            "text": r.text,
            "status": r.status,
            "replaced_at": r.replaced_at.isoformat() if r.replaced_at else None,
        }
        for r in revisions
    ]
    return data


def list_speakers(session: Session) -> list[dict[str, Any]]:
    """Every speaker with its aliases and platform:handle pairs, by name."""
    aliases: dict[int, list[str]] = {}
    for alias in session.exec(select(SpeakerAlias).order_by(col(SpeakerAlias.alias))):
        aliases.setdefault(alias.speaker_id, []).append(alias.alias)
    handles: dict[int, list[str]] = {}
    for handle in session.exec(select(SpeakerHandle).order_by(col(SpeakerHandle.handle))):
        handles.setdefault(handle.speaker_id, []).append(f"{handle.platform}:{handle.handle}")
    return [
        {
            "id": speaker.id,
            "name": speaker.name,
            "role": speaker.role,
            "aliases": aliases.get(speaker.id or 0, []),
            "handles": handles.get(speaker.id or 0, []),
        }
        for speaker in session.exec(select(Speaker).order_by(col(Speaker.name)))
    ]
