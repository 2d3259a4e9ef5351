"""The registered stylizer (catalog ``style_transfer_registered_model``): a registry that
holds none yet is not an error for ``style_transfer_apply``, which can still optimise.

Unlike the other prediction pipelines, ``style_transfer_apply`` has a way to work without
a trained model (Gatys' optimisation), so its default ``model_version`` — the
``champion`` alias — loads ``None`` when no ``style_transfer_stylizer`` is registered at
all; ``method=auto`` then optimises and ``method=stylizer`` fails naming
``kedro run --pipelines style_transfer``. Any version asked for that is not there (an
explicit number, ``latest`` or an alias, with an empty registry or not) stays the
dataset's usual error, which lists the versions and aliases there are.
"""

from __future__ import annotations

import logging
from typing import Any

from dl_pipelines.datasets import MlflowKerasModelDataset

logger = logging.getLogger(__name__)


class RegisteredStylizerDataset(MlflowKerasModelDataset):
    """:class:`~dl_pipelines.datasets.MlflowKerasModelDataset` whose default version
    loads ``None`` while the registry holds no version of the model.

    A loaded version is ``{"model", <model_metadata keys>…, "version"}``; ``version`` is
    its label (``style_transfer_stylizer v2 (champion)``), for the log and the errors.
    """

    def _load(self) -> Any:
        if self._model_version == (self._alias or "latest") and not self._registered():
            logger.info(
                "The MLflow registry holds no '%s' yet (`kedro run --pipelines %s` "
                "registers one): style_transfer_apply has no stylizer.",
                self._save_args.get("registered_model_name"),
                self._training_pipeline,
            )
            return None
        loaded = super()._load()
        if isinstance(loaded, dict) and self.last_loaded is not None:
            loaded["version"] = self.last_loaded.label
        return loaded

    def _registered(self) -> bool:
        """Whether any version of the model is registered (``True`` when the registry
        cannot be read: loading then fails with the dataset's own message)."""
        import mlflow
        from mlflow.exceptions import MlflowException

        name = self._save_args.get("registered_model_name")
        try:
            return bool(mlflow.MlflowClient().search_model_versions(f"name = '{name}'"))
        except MlflowException:
            return True
