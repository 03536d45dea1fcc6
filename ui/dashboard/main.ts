import 'uplot/dist/uPlot.min.css';
import './style.css';
import './app';
