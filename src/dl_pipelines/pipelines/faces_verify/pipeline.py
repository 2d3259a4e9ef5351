"""Wiring of ``faces_verify`` (its node lives with the ``faces`` nodes)."""

from kedro.pipeline import Node, Pipeline

from dl_pipelines.pipelines.faces import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                func=nodes.verify_pair,
                inputs=[
                    "faces_encoder",
                    "faces_verify_image_a",
                    "faces_verify_image_b",
                    "faces_threshold",
                    "params:faces.detection",
                ],
                outputs="faces_verification",
                name="verify_pair_node",
            ),
        ],
        tags=["faces", "predict"],
        namespace="faces_verify",
        prefix_datasets_with_namespace=False,
    )
