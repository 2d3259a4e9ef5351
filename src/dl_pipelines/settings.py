"""Kedro project settings.

See https://docs.kedro.org/en/stable/configure/configuration_basics.html for the
defaults this file changes.
"""

import os
import warnings

from omegaconf.resolvers import oc

from dl_pipelines.hooks import (
    InputProvenanceHook,
    ParameterCheckHook,
    RunGuardHook,
    RunMetadataHook,
    StagedModelsHook,
)
from dl_pipelines.tracking.application_runs import ApplicationRunsHook

# Keep TensorFlow's C++ start-up chatter out of the run log; real errors still show.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Kedro telemetry never asks and never sends (the repository also ships a
# consent-false `.telemetry` file).
os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "1")

# kedro-mlflow defines a pyfunc model without type hints; MLflow warns on import.
warnings.filterwarnings("ignore", message="Add type hints to the `predict` method")
# Kedro 1.7 registers its resolvers with OmegaConf's deprecated call.
warnings.filterwarnings("ignore", message="register_new_resolver", category=UserWarning)

# Pluggy calls hooks last-registered first. ApplicationRunsHook is kedro-mlflow's hook
# with a child MLflow run per application; it replaces the plugin's own instance and is
# registered last, so it is called where the plugin's was: first (it opens the run the
# others tag and log to). The parameter check runs after the metadata tags are set;
# RunGuardHook's hooks are `tryfirst` (before the MLflow run is opened).
HOOKS = (
    InputProvenanceHook(),
    StagedModelsHook(),
    ParameterCheckHook(),
    RunMetadataHook(),
    RunGuardHook(),
    ApplicationRunsHook(),
)
DISABLE_HOOKS_FOR_PLUGINS = ("kedro_mlflow", "kedro-mlflow")

CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # `oc.env` is allowed outside credentials so that `mlflow.yml` can read
    # MLFLOW_TRACKING_URI with a project-local default.
    "custom_resolvers": {"oc.env": oc.env},
    # conf/<env>/parameters*.yml override single keys (conf/test only shrinks sizes).
    "merge_strategy": {"parameters": "soft"},
}
