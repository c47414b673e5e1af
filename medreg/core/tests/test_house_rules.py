"""CI enforces the house rules: interfaces call services, no signals, nothing from a CDN."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _checker():
    spec = importlib.util.spec_from_file_location("check_house_rules", ROOT / "scripts" / "check_house_rules.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_tree_follows_the_house_rules():
    assert _checker().findings(ROOT) == []


def test_the_checker_catches_a_view_that_saves_a_model(tmp_path):
    view = tmp_path / "medreg" / "portals" / "bad.py"
    view.parent.mkdir(parents=True)
    view.write_text("def v(request, app):\n    app.status = 'approved'\n    app.save()\n")
    (tmp_path / "medreg" / "core").mkdir()
    (tmp_path / "medreg" / "core" / "sig.py").write_text("from django.db.models.signals import post_save\n")
    found = _checker().findings(tmp_path)
    assert any("bad.py:3" in f for f in found)
    assert any("sig.py" in f and "signals" in f for f in found)
