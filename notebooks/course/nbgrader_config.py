# nbgrader settings of the ConvLab course: run nbgrader's commands in this folder (README: "Teach with nbgrader").
#
# The TypeScript settings come from the convlab Python package (installed with the kernel): a code stub that
# throws "not implemented", solution and hidden-test markers written as `//` comments
# (`// BEGIN SOLUTION` … `// END SOLUTION`, `// BEGIN HIDDEN TESTS` … `// END HIDDEN TESTS`), and 120 s a cell.
from convlab.grading import configure

c = get_config()  # noqa: F821 (nbgrader defines it when it reads this file)
c.CourseDirectory.course_id = "convlab"
configure(c)
