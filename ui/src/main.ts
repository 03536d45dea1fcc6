import './page.css';
import './app';
