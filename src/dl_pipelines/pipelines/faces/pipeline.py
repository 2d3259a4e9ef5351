"""Wiring of the ``faces`` training and evaluation pipeline."""

from kedro.pipeline import Node, Pipeline

from dl_pipelines.pipelines.faces import nodes
from dl_pipelines.tracking.report_page import report_page_node


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                func=nodes.assemble_photos,
                inputs=["faces_raw_images", "faces_lfw_subset", "params:faces.data", "params:seed"],
                outputs=["faces_photos", "faces_ingest_report"],
                name="assemble_photos_node",
            ),
            Node(
                func=nodes.detect_faces,
                inputs=["faces_photos", "params:faces.detection", "params:faces.data.image_size"],
                outputs=["faces_crops", "faces_detection_report"],
                name="detect_faces_node",
            ),
            Node(
                func=nodes.detection_benchmark,
                inputs=["faces_lfw_subset", "params:faces.detection"],
                outputs=["faces_detection_metrics", "faces_detection_benchmark"],
                name="detection_benchmark_node",
            ),
            Node(
                func=nodes.split_people,
                inputs=["faces_crops", "params:faces.split", "params:seed"],
                outputs=["faces_train", "faces_val", "faces_test", "faces_split_report"],
                name="split_people_node",
            ),
            Node(
                func=nodes.add_synthetic_people,
                inputs=[
                    "faces_train",
                    "faces_lfw_subset",
                    "faces_ingest_report",
                    "params:faces.data",
                    "params:faces.detection",
                    "params:seed",
                ],
                outputs=["faces_encoder_train", "faces_synthetic_report"],
                name="synthetic_people_node",
            ),
            Node(
                func=nodes.plot_examples,
                inputs=["faces_photos", "faces_crops"],
                outputs="faces_examples_plot",
                name="plot_examples_node",
            ),
            Node(
                func=nodes.train_encoder,
                inputs=[
                    "faces_encoder_train",
                    "faces_val",
                    "params:faces.model",
                    "params:faces.training",
                    "params:seed",
                ],
                outputs=["faces_encoder", "faces_history"],
                name="train_encoder_node",
            ),
            Node(
                func=nodes.plot_training,
                inputs="faces_history",
                outputs="faces_training_curves_plot",
                name="plot_training_node",
            ),
            Node(
                func=nodes.evaluate_encoder,
                inputs=[
                    "faces_encoder",
                    "faces_val",
                    "faces_test",
                    "params:faces.evaluation",
                    "params:seed",
                ],
                outputs=[
                    "faces_test_metrics",
                    "faces_test_report",
                    "faces_threshold",
                    "faces_test_curves",
                ],
                name="evaluate_encoder_node",
            ),
            Node(
                func=nodes.plot_evaluation,
                inputs=[
                    "faces_test_curves",
                    "faces_test_report",
                    "params:faces.evaluation",
                    "params:seed",
                ],
                outputs=[
                    "faces_roc_curve_plot",
                    "faces_distance_histogram_plot",
                    "faces_embedding_map_plot",
                ],
                name="plot_evaluation_node",
            ),
            Node(
                func=nodes.train_and_evaluate_pair_head,
                inputs=[
                    "faces_encoder_train",
                    "faces_val",
                    "faces_test",
                    "params:faces.model",
                    "params:faces.pair_head",
                    "params:seed",
                ],
                outputs=["faces_pair_head_metrics", "faces_pair_head_report"],
                name="pair_head_node",
            ),
            Node(
                func=nodes.evaluate_dlib_reference,
                inputs=["faces_dlib_models", "faces_val", "faces_test", "params:seed"],
                outputs=["faces_dlib_metrics", "faces_dlib_report"],
                name="dlib_reference_node",
            ),
            Node(
                func=nodes.gate_for_registry,
                inputs=[
                    "faces_encoder",
                    "faces_threshold",
                    "faces_test_report",
                    "params:faces.detection",
                    "params:faces.registry.min_test_verify_accuracy",
                ],
                outputs="faces_registered_model",
                name="register_model_node",
            ),
            report_page_node(
                "faces",
                "faces: detect, encode, verify, recognise, cluster",
                "faces_split_report",
                "faces_synthetic_report",
                "faces_detection_report",
                "faces_detection_benchmark",
                "faces_test_report",
                "faces_pair_head_report",
                "faces_dlib_report",
                "faces_examples_plot",
                "faces_training_curves_plot",
                "faces_roc_curve_plot",
                "faces_distance_histogram_plot",
                "faces_embedding_map_plot",
            ),
        ],
        tags=["faces"],
        namespace="faces",
        prefix_datasets_with_namespace=False,
    )
