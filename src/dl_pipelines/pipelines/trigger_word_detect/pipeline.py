"""Wiring of ``trigger_word_detect`` (its node lives with the ``trigger_word`` nodes).

Its model is ``trigger_word_registered_model``, the output of ``trigger_word``'s registry
gate: the registry's ``champion`` by default, and in a run of both it runs after the gate.
It comes with the threshold and settings stored with that version, so that each version
is scored with its own, not with the last local training run's.
"""

from kedro.pipeline import Node, Pipeline

from dl_pipelines.pipelines.trigger_word import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                func=nodes.detect_folder,
                inputs=[
                    "trigger_word_registered_model",
                    "trigger_word_detect_audio",
                    "params:trigger_word",
                ],
                outputs=[
                    "trigger_word_detections",
                    "trigger_word_detection_plots",
                    "trigger_word_chimed_audio",
                ],
                name="detect_folder_node",
            ),
        ],
        tags=["trigger_word", "detect"],
        namespace="trigger_word_detect",
        prefix_datasets_with_namespace=False,
    )
