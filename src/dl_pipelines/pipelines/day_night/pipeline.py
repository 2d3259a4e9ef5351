"""Wiring of the ``day_night`` training pipeline."""

from kedro.pipeline import Node, Pipeline

from dl_pipelines.pipelines.day_night import heldout, nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                func=nodes.assemble_images,
                inputs=["day_night_raw_images", "sample_photos", "params:day_night.data",
                        "params:seed", "params:day_night.heldout.photos"],
                outputs="day_night_images",
                name="assemble_images_node",
            ),
            Node(
                func=nodes.split_images,
                inputs=["day_night_images", "params:day_night.split", "params:seed",
                        "params:day_night.data.classes"],
                outputs=["day_night_train", "day_night_val", "day_night_test",
                         "day_night_split_report"],
                name="split_images_node",
            ),
            Node(
                func=nodes.plot_examples,
                inputs=["day_night_train", "params:day_night.data.classes", "params:seed"],
                outputs="day_night_examples_plot",
                name="plot_examples_node",
            ),
            Node(
                func=nodes.train_model,
                inputs=["day_night_train", "day_night_val", "params:day_night.model",
                        "params:day_night.training", "params:seed"],
                outputs=["day_night_model", "day_night_history"],
                name="train_model_node",
            ),
            Node(
                func=nodes.plot_training,
                inputs="day_night_history",
                outputs="day_night_training_curves_plot",
                name="plot_training_node",
            ),
            Node(
                func=nodes.evaluate_model,
                inputs=["day_night_model", "day_night_test", "params:day_night.evaluation",
                        "params:day_night.data.classes"],
                outputs=["day_night_test_metrics", "day_night_test_report",
                         "day_night_test_predictions"],
                name="evaluate_model_node",
            ),
            Node(
                func=nodes.plot_evaluation,
                inputs=["day_night_test", "day_night_test_predictions", "day_night_test_report",
                        "params:day_night.evaluation", "params:seed"],
                outputs=["day_night_confusion_matrix_plot", "day_night_roc_curve_plot",
                         "day_night_prediction_grid_plot"],
                name="plot_evaluation_node",
            ),
            Node(
                func=heldout.make_heldout_set,
                inputs=["day_night_heldout_photos", "params:day_night.heldout",
                        "params:day_night.data.image_size", "params:day_night.data.classes"],
                outputs="day_night_heldout",
                name="make_heldout_set_node",
            ),
            Node(
                func=heldout.evaluate_heldout,
                inputs=["day_night_model", "day_night_heldout",
                        "params:day_night.evaluation.threshold", "params:day_night.data.classes"],
                outputs=["day_night_heldout_metrics", "day_night_heldout_predictions",
                         "day_night_heldout_report"],
                name="evaluate_heldout_node",
            ),
            Node(
                func=heldout.plot_heldout,
                inputs=["day_night_heldout", "day_night_heldout_predictions",
                        "params:day_night.heldout"],
                outputs="day_night_heldout_grid_plot",
                name="plot_heldout_node",
            ),
            Node(
                func=nodes.gate_for_registry,
                inputs=["day_night_model", "day_night_test_report",
                        "params:day_night.registry.min_test_accuracy"],
                outputs="day_night_registered_model",
                name="register_model_node",
            ),
        ],
        tags=["day_night"],
    )
