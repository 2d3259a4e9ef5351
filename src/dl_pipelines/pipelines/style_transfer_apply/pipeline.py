"""Wiring of ``style_transfer_apply`` (its nodes live with the ``style_transfer`` nodes).

Needs ``--params content=<path>``: keep it out of ``__default__``. Its stylizer is
``style_transfer_registered_model``, the output of ``style_transfer``'s registry gate:
the registry's ``champion`` by default (or ``--params model_version=N|latest|<alias>``),
``None`` when no stylizer is registered (``method=auto`` then optimises); in a run of
both it runs after the gate.
"""

from kedro.pipeline import Node, Pipeline

from dl_pipelines.pipelines.style_transfer import nodes


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
                outputs=[
                    "style_transfer_apply_content_library",
                    "style_transfer_apply_style_library",
                ],
                name="collect_images_node",
            ),
            Node(
                func=nodes.choose_style,
                inputs=[
                    "style_transfer_apply_style_library",
                    "style_transfer_apply_style_file",
                    "params:style_transfer_apply",
                    "params:style_transfer.images.min_input_size",
                ],
                outputs="style_transfer_apply_style",
                name="choose_style_node",
            ),
            Node(
                func=nodes.apply_style,
                inputs=[
                    "style_transfer_apply_content",
                    "style_transfer_apply_style",
                    "style_transfer_registered_model",
                    "style_transfer_vgg_weights",
                    "params:style_transfer_apply",
                    "params:style_transfer.images.min_input_size",
                    "params:style_transfer.cost",
                    "params:style_transfer.optimisation",
                    "params:seed",
                ],
                outputs=["style_transfer_applied", "style_transfer_apply_history"],
                name="apply_style_node",
            ),
        ],
        tags=["style_transfer", "apply"],
        namespace="style_transfer_apply",
        prefix_datasets_with_namespace=False,
    )
