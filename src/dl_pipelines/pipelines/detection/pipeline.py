"""Wiring of the ``detection`` training pipeline.

It ends in the registry gate: ``detection_registered_model`` (registered in MLflow as
``detection``, alias ``champion``, with its spec) is saved only when the test mAP@0.5
passes ``detection.registry.min_test_det_map50``.
"""

from kedro.pipeline import Node, Pipeline

from dl_pipelines.pipelines.detection import nodes
from dl_pipelines.tracking.report_page import report_page_node


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                func=nodes.make_scenes,
                inputs=["detection_raw", "sample_photos", "params:detection.data", "params:seed"],
                outputs="detection_scenes",
                name="make_scenes_node",
            ),
            Node(
                func=nodes.split_scenes,
                inputs=["detection_scenes", "params:detection.data", "params:seed"],
                outputs=[
                    "detection_train",
                    "detection_val",
                    "detection_test",
                    "detection_split_report",
                ],
                name="split_scenes_node",
            ),
            Node(
                func=nodes.plot_examples,
                inputs=["detection_train", "params:detection.data.classes"],
                outputs="detection_examples_plot",
                name="plot_examples_node",
            ),
            Node(
                func=nodes.fit_anchors,
                inputs=[
                    "detection_train",
                    "params:detection.model",
                    "params:detection.data.classes",
                    "params:seed",
                ],
                outputs="detection_spec",
                name="fit_anchors_node",
            ),
            Node(
                func=nodes.train_detector,
                inputs=[
                    "detection_train",
                    "detection_val",
                    "detection_spec",
                    "params:detection.model",
                    "params:detection.training",
                    "params:seed",
                ],
                outputs=["detection_model", "detection_history"],
                name="train_detector_node",
            ),
            Node(
                func=nodes.plot_training,
                inputs="detection_history",
                outputs="detection_training_curves_plot",
                name="plot_training_node",
            ),
            Node(
                func=nodes.evaluate_detector,
                inputs=[
                    "detection_model",
                    "detection_test",
                    "detection_spec",
                    "params:detection.evaluation",
                ],
                outputs=[
                    "detection_test_metrics",
                    "detection_test_report",
                    "detection_test_predictions",
                ],
                name="evaluate_detector_node",
            ),
            Node(
                func=nodes.plot_detections,
                inputs=[
                    "detection_test",
                    "detection_test_predictions",
                    "detection_spec",
                    "params:detection.evaluation",
                ],
                outputs="detection_predictions_plot",
                name="plot_detections_node",
            ),
            Node(
                func=nodes.gate_for_registry,
                inputs=[
                    "detection_model",
                    "detection_spec",
                    "detection_test_report",
                    "params:detection.registry.min_test_det_map50",
                ],
                outputs="detection_registered_model",
                name="register_model_node",
            ),
            report_page_node(
                "detection",
                "detection: a YOLO-style single-stage detector",
                "detection_split_report",
                "detection_test_report",
                "detection_examples_plot",
                "detection_training_curves_plot",
                "detection_predictions_plot",
            ),
        ],
        tags=["detection"],
        namespace="detection",
        prefix_datasets_with_namespace=False,
    )
