"""Wiring of ``day_night_predict`` (its node lives with the ``day_night`` nodes).

Its model is ``day_night_registered_model``, the output of ``day_night``'s registry gate:
the registry's ``champion`` by default, and in a run of both it runs after the gate.
"""

from kedro.pipeline import Node, Pipeline

from dl_pipelines.pipelines.day_night import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                func=nodes.predict_folder,
                inputs=[
                    "day_night_registered_model",
                    "day_night_predict_images",
                    "params:day_night.data.image_size",
                    "params:day_night.evaluation",
                    "params:day_night.data.classes",
                ],
                outputs="day_night_predictions",
                name="predict_folder_node",
            ),
        ],
        tags=["day_night", "predict"],
        namespace="day_night_predict",
        prefix_datasets_with_namespace=False,
    )
