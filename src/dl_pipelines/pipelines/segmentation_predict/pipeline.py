"""Wiring of ``segmentation_predict`` (its node lives with the ``segmentation`` nodes).

Its model is ``segmentation_registered_model``, the output of ``segmentation``'s registry
gate: the registry's ``champion`` by default, and in a run of both it runs after the gate.
"""

from kedro.pipeline import Node, Pipeline

from dl_pipelines.pipelines.segmentation import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                func=nodes.segment_folder,
                inputs=["segmentation_registered_model", "segmentation_predict_images"],
                outputs=["segmentation_predicted_masks", "segmentation_predicted_overlays"],
                name="segment_folder_node",
            ),
        ],
        tags=["segmentation", "predict"],
        namespace="segmentation_predict",
        prefix_datasets_with_namespace=False,
    )
