"""Wiring of ``faces_identify`` (its node lives with the ``faces`` nodes).

Its encoder is ``faces_registered_model``, the output of ``faces``' registry gate: the
registry's ``champion`` by default (or ``--params model_version=N|latest|<alias>``), with
the τ and crop settings stored with that version; in a run of both it runs after the
gate.
"""

from kedro.pipeline import Node, Pipeline

from dl_pipelines.pipelines.faces import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                func=nodes.identify_folder,
                inputs=[
                    "faces_registered_model",
                    "faces_gallery_images",
                    "faces_probe_images",
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
