"""Wiring of the ``shipping`` pipeline (``--params model=<registered name>``)."""

from kedro.pipeline import Node, Pipeline

from dl_pipelines.pipelines.shipping import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                func=nodes.export_model,
                inputs=[
                    "shipping_registered_model",
                    "shipping_calibration_inputs",
                    "params:shipping",
                    "params:trigger_word",
                ],
                outputs="shipping_candidate_exports",
                name="export_model_node",
            ),
            Node(
                func=nodes.check_parity,
                inputs=["shipping_candidate_exports", "shipping_test_inputs", "params:shipping"],
                outputs=["shipping_exports", "shipping_parity_metrics", "shipping_parity_report"],
                name="check_parity_node",
            ),
            Node(
                func=nodes.measure_formats,
                inputs=["shipping_exports", "shipping_test_inputs", "params:shipping"],
                outputs=[
                    "shipping_tradeoffs",
                    "shipping_tradeoffs_plot",
                    "shipping_tradeoff_metrics",
                ],
                name="measure_formats_node",
            ),
        ],
        tags=["shipping"],
        namespace="shipping",
        prefix_datasets_with_namespace=False,
    )
