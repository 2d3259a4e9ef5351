"""Wiring of the ``trigger_word`` training pipeline."""

from kedro.pipeline import Node, Pipeline

from dl_pipelines.pipelines.trigger_word import nodes
from dl_pipelines.tracking.report_page import report_page_node


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                func=nodes.prepare_clips,
                inputs=[
                    "trigger_word_raw_positives",
                    "trigger_word_raw_negatives",
                    "trigger_word_raw_backgrounds",
                    "params:trigger_word",
                    "params:seed",
                ],
                outputs="trigger_word_clips",
                name="prepare_clips_node",
            ),
            Node(
                func=nodes.make_model_inputs,
                inputs=["trigger_word_clips", "params:trigger_word", "params:seed"],
                outputs=[
                    "trigger_word_train",
                    "trigger_word_val",
                    "trigger_word_test",
                    "trigger_word_mixing_report",
                ],
                name="make_model_inputs_node",
            ),
            Node(
                func=nodes.log_examples,
                inputs=["trigger_word_clips", "params:trigger_word", "params:seed"],
                outputs=["trigger_word_examples_plot", "trigger_word_example_audio"],
                name="log_examples_node",
            ),
            Node(
                func=nodes.train_model,
                inputs=[
                    "trigger_word_train",
                    "trigger_word_val",
                    "params:trigger_word",
                    "params:seed",
                ],
                outputs=["trigger_word_model", "trigger_word_history"],
                name="train_model_node",
            ),
            Node(
                func=nodes.plot_training,
                inputs="trigger_word_history",
                outputs="trigger_word_training_curves_plot",
                name="plot_training_node",
            ),
            Node(
                func=nodes.evaluate_model,
                inputs=[
                    "trigger_word_model",
                    "trigger_word_val",
                    "trigger_word_test",
                    "params:trigger_word",
                ],
                outputs=[
                    "trigger_word_test_metrics",
                    "trigger_word_test_report",
                    "trigger_word_det",
                ],
                name="evaluate_model_node",
            ),
            Node(
                func=nodes.evaluate_recording_rates,
                inputs=[
                    "trigger_word_model",
                    "trigger_word_clips",
                    "trigger_word_test_report",
                    "params:trigger_word",
                    "params:seed",
                ],
                outputs="trigger_word_rate_metrics",
                name="evaluate_recording_rates_node",
            ),
            Node(
                func=nodes.plot_det,
                inputs="trigger_word_det",
                outputs="trigger_word_det_curve_plot",
                name="plot_det_node",
            ),
            Node(
                func=nodes.plot_frr_breakdown,
                inputs="trigger_word_test_report",
                outputs="trigger_word_frr_breakdown_plot",
                name="plot_frr_breakdown_node",
            ),
            Node(
                func=nodes.gate_for_registry,
                inputs=["trigger_word_model", "trigger_word_test_report", "params:trigger_word"],
                outputs="trigger_word_registered_model",
                name="register_model_node",
            ),
            report_page_node(
                "trigger_word",
                'trigger_word: detect the keyword ("activate") in streaming audio',
                "trigger_word_mixing_report",
                "trigger_word_test_report",
                "trigger_word_examples_plot",
                "trigger_word_training_curves_plot",
                "trigger_word_det_curve_plot",
                "trigger_word_frr_breakdown_plot",
                "trigger_word_example_audio",
            ),
        ],
        tags=["trigger_word"],
        namespace="trigger_word",
        prefix_datasets_with_namespace=False,
    )
