"""Wiring of ``detection_predict`` (its node lives with the ``detection`` nodes).

Its detector is ``detection_registered_model``, the output of ``detection``'s registry
gate: the registry's ``champion`` by default, with the spec stored with that version; in
a run of both it runs after the gate.
"""

from kedro.pipeline import Node, Pipeline

from dl_pipelines.pipelines.detection import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                func=nodes.detect_folder,
                inputs=[
                    "detection_registered_model",
                    "detection_predict_images",
                    "params:detection.evaluation",
                ],
                outputs=["detection_boxes", "detection_annotated_images"],
                name="detect_folder_node",
            ),
        ],
        tags=["detection", "predict"],
        namespace="detection_predict",
        prefix_datasets_with_namespace=False,
    )
