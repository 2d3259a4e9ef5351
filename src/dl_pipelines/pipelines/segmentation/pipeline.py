"""Wiring of the ``segmentation`` training pipeline.

It ends in the registry gate: ``segmentation_registered_model`` (registered in MLflow as
``segmentation``, alias ``champion``) is saved only when the test mIoU passes
``segmentation.registry.min_test_seg_miou``.
"""

from kedro.pipeline import Node, Pipeline

from dl_pipelines.pipelines.segmentation import nodes
from dl_pipelines.tracking.report_page import report_page_node


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                func=nodes.make_scenes,
                inputs=[
                    "segmentation_raw",
                    "sample_photos",
                    "params:segmentation.data",
                    "params:seed",
                ],
                outputs="segmentation_scenes",
                name="make_scenes_node",
            ),
            Node(
                func=nodes.split_scenes,
                inputs=["segmentation_scenes", "params:segmentation.data", "params:seed"],
                outputs=[
                    "segmentation_train",
                    "segmentation_val",
                    "segmentation_test",
                    "segmentation_split_report",
                ],
                name="split_scenes_node",
            ),
            Node(
                func=nodes.plot_examples,
                inputs="segmentation_train",
                outputs="segmentation_examples_plot",
                name="plot_examples_node",
            ),
            Node(
                func=nodes.train_unet,
                inputs=[
                    "segmentation_train",
                    "segmentation_val",
                    "params:segmentation.data.classes",
                    "params:segmentation.model",
                    "params:segmentation.training",
                    "params:seed",
                ],
                outputs=["segmentation_model", "segmentation_history"],
                name="train_unet_node",
            ),
            Node(
                func=nodes.plot_training,
                inputs="segmentation_history",
                outputs="segmentation_training_curves_plot",
                name="plot_training_node",
            ),
            Node(
                func=nodes.evaluate_unet,
                inputs=[
                    "segmentation_model",
                    "segmentation_test",
                    "params:segmentation.data.classes",
                ],
                outputs=[
                    "segmentation_test_metrics",
                    "segmentation_test_report",
                    "segmentation_test_predictions",
                ],
                name="evaluate_unet_node",
            ),
            Node(
                func=nodes.plot_overlays,
                inputs=["segmentation_test", "segmentation_test_predictions"],
                outputs="segmentation_overlays_plot",
                name="plot_overlays_node",
            ),
            Node(
                func=nodes.gate_for_registry,
                inputs=[
                    "segmentation_model",
                    "segmentation_test_report",
                    "params:segmentation.registry.min_test_seg_miou",
                ],
                outputs="segmentation_registered_model",
                name="register_model_node",
            ),
            report_page_node(
                "segmentation",
                "segmentation: a U-Net labels every pixel",
                "segmentation_split_report",
                "segmentation_test_report",
                "segmentation_examples_plot",
                "segmentation_training_curves_plot",
                "segmentation_overlays_plot",
            ),
        ],
        tags=["segmentation"],
        namespace="segmentation",
        prefix_datasets_with_namespace=False,
    )
