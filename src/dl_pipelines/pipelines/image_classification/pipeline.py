"""Wiring of the ``image_classification`` pipeline."""

from kedro.pipeline import Node, Pipeline

from dl_pipelines.pipelines.image_classification import nodes, params
from dl_pipelines.tracking.application_runs import log_only_entries_that_run
from dl_pipelines.tracking.report_page import report_page_node

# The run logs the parameters of the zoo members that train and of the data set used only.
log_only_entries_that_run(params.SECTION, params.entries_that_run)


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                func=nodes.prepare_data,
                inputs=[
                    "image_classification_digits",
                    "image_classification_fashion_mnist",
                    "params:image_classification",
                    "params:seed",
                ],
                outputs=[
                    "image_classification_train",
                    "image_classification_val",
                    "image_classification_test",
                    "image_classification_data_report",
                ],
                name="prepare_data_node",
            ),
            Node(
                func=nodes.plot_examples,
                inputs=[
                    "image_classification_train",
                    "image_classification_data_report",
                    "params:seed",
                ],
                outputs="image_classification_examples_plot",
                name="plot_examples_node",
            ),
            Node(
                func=nodes.train_models,
                inputs=[
                    "image_classification_train",
                    "image_classification_val",
                    "image_classification_data_report",
                    "params:image_classification",
                    "params:seed",
                ],
                outputs=["image_classification_models", "image_classification_training"],
                name="train_models_node",
            ),
            Node(
                func=nodes.plot_training,
                inputs="image_classification_training",
                outputs="image_classification_training_curves_plot",
                name="plot_training_node",
            ),
            Node(
                func=nodes.evaluate_models,
                inputs=[
                    "image_classification_models",
                    "image_classification_training",
                    "image_classification_test",
                    "image_classification_data_report",
                ],
                outputs=[
                    "image_classification_comparison",
                    "image_classification_metrics",
                    "image_classification_test_report",
                    "image_classification_best_predictions",
                ],
                name="evaluate_models_node",
            ),
            Node(
                func=nodes.plot_comparison,
                inputs=["image_classification_comparison", "image_classification_data_report"],
                outputs="image_classification_accuracy_vs_params_plot",
                name="plot_comparison_node",
            ),
            Node(
                func=nodes.plot_best,
                inputs=[
                    "image_classification_test",
                    "image_classification_best_predictions",
                    "image_classification_test_report",
                    "params:image_classification",
                ],
                outputs=[
                    "image_classification_confusion_matrix_plot",
                    "image_classification_misclassified_plot",
                ],
                name="plot_best_model_node",
            ),
            Node(
                func=nodes.plot_linear_templates,
                inputs=[
                    "image_classification_models",
                    "image_classification_training",
                    "image_classification_data_report",
                ],
                outputs="image_classification_linear_templates_plot",
                name="plot_linear_templates_node",
            ),
            Node(
                func=nodes.edge_detection,
                inputs=["sample_photos", "params:image_classification"],
                outputs="image_classification_edge_detection_plot",
                name="edge_detection_node",
            ),
            report_page_node(
                "image_classification",
                "image_classification: a zoo of classifiers, from a linear SVM to EfficientNet",
                "image_classification_data_report",
                "image_classification_comparison",
                "image_classification_test_report",
                "image_classification_examples_plot",
                "image_classification_training_curves_plot",
                "image_classification_accuracy_vs_params_plot",
                "image_classification_confusion_matrix_plot",
                "image_classification_misclassified_plot",
                "image_classification_linear_templates_plot",
                "image_classification_edge_detection_plot",
            ),
        ],
        tags=["image_classification"],
        namespace="image_classification",
        prefix_datasets_with_namespace=False,
    )
