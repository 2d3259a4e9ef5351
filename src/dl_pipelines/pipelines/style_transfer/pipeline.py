"""Wiring of the ``style_transfer`` pipeline: images → optimisation → figures and reports;
the stylizer → its comparison → the registry gate (``style_transfer_registered_model``)."""

from kedro.pipeline import Node, Pipeline

from dl_pipelines.pipelines.style_transfer import nodes
from dl_pipelines.tracking.report_page import report_page_node


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                func=nodes.collect_images,
                inputs=[
                    "style_transfer_user_content",
                    "style_transfer_user_styles",
                    "style_transfer_default_content",
                    "style_transfer_default_styles",
                    "params:style_transfer.images",
                    "params:seed",
                ],
                outputs=["style_transfer_content_images", "style_transfer_style_images"],
                name="collect_images_node",
            ),
            Node(
                func=nodes.render_pairs,
                inputs=[
                    "style_transfer_content_images",
                    "style_transfer_style_images",
                    "style_transfer_vgg_weights",
                    "params:style_transfer.pairs",
                    "params:style_transfer.images.image_size",
                    "params:style_transfer.cost",
                    "params:style_transfer.optimisation",
                    "params:seed",
                ],
                outputs=[
                    "style_transfer_results",
                    "style_transfer_histories",
                    "style_transfer_snapshots",
                ],
                name="render_pairs_node",
            ),
            Node(
                func=nodes.summarise,
                inputs="style_transfer_histories",
                outputs=["style_transfer_metrics", "style_transfer_report"],
                name="summarise_node",
            ),
            Node(
                func=nodes.plot_pairs,
                inputs=[
                    "style_transfer_content_images",
                    "style_transfer_style_images",
                    "style_transfer_results",
                    "style_transfer_histories",
                ],
                outputs="style_transfer_pairs_plots",
                name="plot_pairs_node",
            ),
            Node(
                func=nodes.plot_progress,
                inputs=["style_transfer_snapshots", "style_transfer_histories"],
                outputs="style_transfer_progress_plots",
                name="plot_progress_node",
            ),
            Node(
                func=nodes.plot_losses,
                inputs=["style_transfer_histories", "params:style_transfer.cost"],
                outputs="style_transfer_losses_plot",
                name="plot_losses_node",
            ),
            Node(
                func=nodes.train_stylizer,
                inputs=[
                    "style_transfer_content_images",
                    "sample_photos",
                    "style_transfer_style_images",
                    "style_transfer_vgg_weights",
                    "params:style_transfer.pairs",
                    "params:style_transfer.images.image_size",
                    "params:style_transfer.stylizer",
                    "params:style_transfer.cost",
                    "params:seed",
                ],
                outputs=["style_transfer_stylizer", "style_transfer_stylizer_history"],
                name="train_stylizer_node",
            ),
            Node(
                func=nodes.compare_stylizer,
                inputs=[
                    "style_transfer_stylizer",
                    "style_transfer_content_images",
                    "style_transfer_style_images",
                    "style_transfer_results",
                    "style_transfer_histories",
                    "style_transfer_vgg_weights",
                    "params:style_transfer.pairs",
                    "params:style_transfer.images.image_size",
                    "params:style_transfer.stylizer",
                    "params:style_transfer.cost",
                ],
                outputs=[
                    "style_transfer_stylized",
                    "style_transfer_stylizer_metrics",
                    "style_transfer_stylizer_report",
                    "style_transfer_stylizer_plot",
                ],
                name="compare_stylizer_node",
            ),
            Node(
                func=nodes.gate_for_registry,
                inputs=[
                    "style_transfer_stylizer",
                    "style_transfer_stylizer_report",
                    "params:style_transfer.images.image_size",
                    "params:style_transfer.stylizer",
                    "params:style_transfer.registry.min_style_reduction",
                ],
                outputs="style_transfer_registered_model",
                name="register_model_node",
            ),
            report_page_node(
                "style_transfer",
                "style_transfer: Gatys style transfer on VGG16, and a feed-forward stylizer",
                "style_transfer_report",
                "style_transfer_stylizer_report",
                "style_transfer_stylizer_history",
                "style_transfer_losses_plot",
                "style_transfer_stylizer_plot",
                "style_transfer_pairs_plots",
                "style_transfer_progress_plots",
            ),
        ],
        tags=["style_transfer"],
        namespace="style_transfer",
        prefix_datasets_with_namespace=False,
    )
