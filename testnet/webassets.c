/*
 * The web view's page, script and style sheet, built into the binary from
 * testnet/web/ (the assembler's .incbin, paths from the top of the source
 * tree, where make runs), so the view needs no files at run time and loads
 * nothing from elsewhere. Each is a NUL-free byte range [name, name_end).
 */
#define TN_ASSET(name, path)                                                   \
	__asm__(".section .rodata\n"                                           \
		".global " #name "\n"                                          \
		".global " #name "_end\n"                                      \
		".balign 16\n" #name ":\n"                                     \
		".incbin \"" path "\"\n" #name "_end:\n"                       \
		".byte 0\n"                                                    \
		".previous\n")

TN_ASSET(tn_web_index_html, "testnet/web/index.html");
TN_ASSET(tn_web_app_js, "testnet/web/app.js");
TN_ASSET(tn_web_style_css, "testnet/web/style.css");
