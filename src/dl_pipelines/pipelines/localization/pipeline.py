"""Wiring of the ``localization`` pipeline."""

from kedro.pipeline import Node, Pipeline

from dl_pipelines.pipelines.localization import nodes
from dl_pipelines.tracking.report_page import report_page_node


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                func=nodes.make_scenes,
                inputs=[
                    "localization_raw",
                    "sample_photos",
                    "params:localization.data",
                    "params:seed",
                ],
                outputs="localization_scenes",
                name="make_scenes_node",
            ),
            Node(
                func=nodes.split_scenes,
                inputs=["localization_scenes", "params:localization.data", "params:seed"],
                outputs=[
                    "localization_train",
                    "localization_val",
                    "localization_test",
                    "localization_split_report",
                ],
                name="split_scenes_node",
            ),
            Node(
                func=nodes.plot_examples,
                inputs=["localization_train", "params:localization.data.classes"],
                outputs="localization_examples_plot",
                name="plot_examples_node",
            ),
            Node(
                func=nodes.train_localizer,
                inputs=[
                    "localization_train",
                    "localization_val",
                    "params:localization.data.classes",
                    "params:localization.model",
                    "params:localization.training",
                    "params:seed",
                ],
                outputs=["localization_model", "localization_history"],
                name="train_localizer_node",
            ),
            Node(
                func=nodes.plot_training,
                inputs="localization_history",
                outputs="localization_training_curves_plot",
                name="plot_training_node",
            ),
            Node(
                func=nodes.evaluate_localizer,
                inputs=[
                    "localization_model",
                    "localization_test",
                    "params:localization.data.classes",
                    "params:localization.evaluation",
                ],
                outputs=[
                    "localization_test_metrics",
                    "localization_test_report",
                    "localization_test_predictions",
                ],
                name="evaluate_localizer_node",
            ),
            Node(
                func=nodes.plot_predictions,
                inputs=[
                    "localization_test",
                    "localization_test_predictions",
                    "params:localization.data.classes",
                    "params:localization.evaluation",
                ],
                outputs="localization_predictions_plot",
                name="plot_predictions_node",
            ),
            report_page_node(
                "localization",
                "localization: one object per image → p_c, box, class and landmarks",
                "localization_split_report",
                "localization_test_report",
                "localization_examples_plot",
                "localization_training_curves_plot",
                "localization_predictions_plot",
            ),
        ],
        tags=["localization"],
        namespace="localization",
        prefix_datasets_with_namespace=False,
    )
