# The workbook's IPython profile for its kernels: `make install` copies this file into
# var/ipython/profile_default/, and the Makefile points IPYTHONDIR there (JupyterLab, nbval
# and nbconvert alike). A cell run before the setup cell then says to run the setup cell.
c = get_config()  # noqa: F821  (IPython provides it to configuration files)
c.InteractiveShellApp.extensions = ["demo_project.lab.ready"]
