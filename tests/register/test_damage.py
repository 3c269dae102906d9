"""Reading through mojibake without touching it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from syncer.register.damage import Damage, detect

from .conftest import read_seed


def test_seeds_are_recognized_by_their_damage() -> None:
    assert detect(read_seed("debt-tracker-mojibake-macroman.md")).codec == "mac_roman"
    assert detect(read_seed("debt-register-mojibake-cp1252.md")).codec in ("cp1252", "cp1254")
    assert detect(read_seed("todo-checklists.md")).codec is None


def test_genuine_accents_and_emoji_are_not_damage() -> None:
    assert detect("# Café crème\n- [ ] Réparer le déploiement ✅ 🟢\n").codec is None


def test_repair_reads_statuses_and_arrows_through_the_damage() -> None:
    damage = detect(read_seed("debt-register-mojibake-cp1252.md"))
    assert damage.repair("ğŸŸ¢ COMPLETE âœ…") == "🟢 COMPLETE ✅"
    assert damage.repair("APScheduler \u00e2\u2020\u2019 Celery") == "APScheduler → Celery"


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40))
def test_mac_roman_damage_round_trips(text: str) -> None:
    damage = Damage("mac_roman")
    assert damage.repair(damage.apply(text)) == text
