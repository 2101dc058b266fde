# Committed wrapper: bootstraps, configures into build/ and builds there.
# configure refuses an in-tree build, so this file is never overwritten.
# Extra configure flags: make CONFIGURE_FLAGS="--enable-werror ..."
BUILD ?= build
CONFIGURE_FLAGS ?=

all: $(BUILD)/Makefile
	$(MAKE) -C $(BUILD)

configure: configure.ac Makefile.am
	autoreconf -fi

$(BUILD)/Makefile: configure
	mkdir -p $(BUILD)
	cd $(BUILD) && ../configure $(CONFIGURE_FLAGS)

check install uninstall dist distcheck bench sweep demo fuzz fuzz-run clean: $(BUILD)/Makefile
	$(MAKE) -C $(BUILD) $@

distclean:
	rm -rf $(BUILD)

.PHONY: all check install uninstall dist distcheck bench sweep demo fuzz fuzz-run clean distclean
