"""Wiring of ``faces_identify`` (its node lives with the ``faces`` nodes)."""

from kedro.pipeline import Node, Pipeline

from dl_pipelines.pipelines.faces import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                func=nodes.identify_folder,
                inputs=[
                    "faces_encoder",
                    "faces_gallery_images",
                    "faces_probe_images",
                    "faces_threshold",
                    "params:faces.detection",
                    "params:faces.evaluation.neighbours",
                ],
                outputs="faces_identities",
                name="identify_folder_node",
            ),
        ],
        tags=["faces", "predict"],
        namespace="faces_identify",
        prefix_datasets_with_namespace=False,
    )
